import { defineErrors } from '../../http/errors.js';

export const auditErrors = defineErrors({
  INVALID_RANGE: [400, 'from must not be after to.'],
});
