import { EMAIL_MAX_LENGTH } from '../../http/formats.js';
import { PHONE_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../../http/schemas.js';
import { MAX_PASSWORD_LENGTH } from '../../platform/password-policy.js';
import { BIO_MAX_LENGTH, NAME_MAX_LENGTH, TIMEZONE_MAX_LENGTH } from '../users/schemas.js';

type Form = Record<string, string | undefined>;
type Translate = (key: string, options?: Record<string, unknown>) => string;

/** A password as the API's schemas bound it (UTF-16 units; the policy counts characters). */
const PASSWORD = MAX_PASSWORD_LENGTH * 2;

/**
 * What a person types into the pages' forms, bounded as the API bounds the same value. A longer one (a paste gone
 * wrong) is that field's error on the form again, in the page's language: a form's body lets it through up to
 * TYPED_VALUE_CEILING so that its handler can say so, instead of a page saying the request could not be read.
 */
export const TYPED_FIELD_BOUNDS: Readonly<Record<string, number>> = {
  // An address or a username: the longer of the two.
  identifier: EMAIL_MAX_LENGTH,
  email: EMAIL_MAX_LENGTH,
  newEmail: EMAIL_MAX_LENGTH,
  password: PASSWORD,
  currentPassword: PASSWORD,
  newPassword: PASSWORD,
  emailPassword: PASSWORD,
  firstName: NAME_MAX_LENGTH,
  lastName: NAME_MAX_LENGTH,
  username: USERNAME_MAX_LENGTH,
  phone: PHONE_MAX_LENGTH,
  bio: BIO_MAX_LENGTH,
  timezone: TIMEZONE_MAX_LENGTH,
  // An authenticator app's code or a recovery code.
  code: 20,
};

/** How far past its bound a typed value still reaches its handler (the body limit bounds the whole form besides). */
export const TYPED_VALUE_CEILING = 100_000;

/** A hidden field (a token, the CSRF value, an app's parameters): nobody types it, and past this it is refused as unreadable. */
export const HIDDEN_VALUE_BOUND = 4000;

/** The body schema's bound of a form field. */
export const transportBound = (field: string) => (field in TYPED_FIELD_BOUNDS ? TYPED_VALUE_CEILING : HIDDEN_VALUE_BOUND);

/**
 * The form's typed values past their bound, each as its field's error (`errors` given: an error already there,
 * a more precise one such as the password policy's, is kept).
 */
export function overLongErrors(t: Translate, form: Form, errors: Form = {}): Form {
  for (const [field, max] of Object.entries(TYPED_FIELD_BOUNDS)) {
    if ((form[field]?.length ?? 0) > max) errors[field] ??= t('common.tooLong', { max });
  }
  return errors;
}
