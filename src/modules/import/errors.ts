import { defineErrors } from '../../http/errors.js';

export const importErrors = defineErrors({
  // Any invalid line writes nothing (unless skipInvalid): the errors name each line and field.
  IMPORT_REJECTED: [400, 'The file has invalid lines; nothing was imported.'],
});
