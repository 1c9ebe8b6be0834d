import { defineErrors } from '../../http/errors.js';

export const importErrors = defineErrors({
  // Any invalid line writes nothing (unless skipInvalid): the errors name each line and field.
  IMPORT_REJECTED: [400, 'The file has invalid lines; nothing was imported.'],
  // Another person's import answers the same: its progress is theirs.
  IMPORT_NOT_FOUND: [404, 'Import not found (or finished more than an hour ago).'],
});
