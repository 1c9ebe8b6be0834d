import { httpErrors } from '../../http/errors.js';

/** What a person may change about their own account through the admin-shaped user endpoints. */
const selfEditable = new Set(['email', 'currentPassword', 'username', 'phone', 'firstName', 'lastName', 'name', 'profile']);

/** Refuses, by name, any field nobody may set on themselves (organization, user type …). */
export function assertSelfEditable(body: object) {
  const refused = Object.keys(body).filter((field) => !selfEditable.has(field));
  if (refused.length > 0) {
    throw httpErrors.FIELD_NOT_ALLOWED({
      detail: `Not allowed here: ${refused.join(', ')}.`,
      errors: refused.map((field) => ({ path: `/${field}`, message: 'cannot be set on your own account' })),
    });
  }
}
