import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { LoginResponse, PasswordChangeRequired, TokenResponse } from '../auth/schemas.js';

const NoExtraFields = { additionalProperties: false } as const;
const Token = Type.String({ minLength: 16, maxLength: 200 });
/** A waiting sign-in's sealed continuation: its person, how they signed in, their authenticator apps (at most 5). */
const MfaToken = Type.String({ minLength: 16, maxLength: 4000 });
const Password = Type.String({
  minLength: 1,
  maxLength: 512,
  description: 'your current password: a fresh authentication without a new sign-in',
});
const EnrollmentToken = Type.String({
  minLength: 16,
  maxLength: 200,
  description: 'the enrolment token of a sign-in that may only enrol (mfaEnrollmentRequired), instead of being signed in',
});
const FactorName = Type.String({ minLength: 1, maxLength: 100 });
/** Six digits as an app shows or a paste brings them: spaces and dashes between or around are ignored. */
const TotpCode = Type.String({
  maxLength: 20,
  pattern: '^[\\s-]*([0-9][\\s-]*){6}$',
  description: 'the 6-digit code from the authenticator app; spaces and dashes are ignored ("123 456")',
});

export const FactorParams = Type.Object({ factorId: Uuid });
export const FactorIdParams = Type.Object({ id: Uuid });

export const FactorView = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('totp'), Type.Literal('webauthn')]),
  name: Nullable(Type.String()),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
});
export const FactorList = Type.Object({
  data: Type.Array(FactorView),
  recoveryCodes: Type.Boolean({ description: 'whether unused recovery codes remain' }),
});

export const EnrolBody = Type.Object({ password: Type.Optional(Password), enrollmentToken: Type.Optional(EnrollmentToken) }, NoExtraFields);
export const FreshBody = Type.Object({ password: Type.Optional(Password) }, NoExtraFields);
export const TotpEnrolment = Type.Object({
  factorId: Uuid,
  secret: Type.String({ description: 'base32, for typing into an authenticator app; shown this once' }),
  otpauthUri: Type.String({ description: 'the otpauth:// URI the QR code holds' }),
  qrSvg: Type.String({ description: 'the QR code as an SVG document' }),
});
export const ConfirmTotpBody = Type.Object(
  {
    code: TotpCode,
    name: Type.Optional(FactorName),
    enrollmentToken: Type.Optional(EnrollmentToken),
  },
  NoExtraFields,
);
const RecoveryCodes = Type.Array(Type.String(), { description: 'single use each; shown this once: save them' });
/** With an enrolment token, the sign-in it stopped finishes here: tokens, or a later pending state. */
const FinishedSignIn = Type.Optional(LoginResponse);
export const ConfirmedTotp = Type.Object({ recoveryCodes: RecoveryCodes, signIn: FinishedSignIn });
export const RecoveryCodeSet = Type.Object({ recoveryCodes: RecoveryCodes });
export const RenameBody = Type.Object({ name: FactorName }, NoExtraFields);

/** WebAuthn's JSON forms, as @simplewebauthn/server makes them and @simplewebauthn/browser sends them. */
const WebAuthnOptions = Type.Unknown({
  description: 'PublicKeyCredential options in WebAuthn JSON form (pass to @simplewebauthn/browser)',
});
const credentialJson = <R extends TSchema>(response: R, description: string) =>
  Type.Object(
    {
      id: Type.String({ maxLength: 2048 }),
      rawId: Type.String({ maxLength: 2048 }),
      type: Type.Literal('public-key'),
      response,
      clientExtensionResults: Type.Object({}, { additionalProperties: true }),
      authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
    },
    { additionalProperties: true, description },
  );
const Base64Url = Type.String({ maxLength: 65_536 });
/** An assertion (signing in): what @simplewebauthn/browser's startAuthentication answers. */
export const AssertionJson = Type.Unsafe<AuthenticationResponseJSON>(
  credentialJson(
    Type.Object(
      { clientDataJSON: Base64Url, authenticatorData: Base64Url, signature: Base64Url, userHandle: Type.Optional(Base64Url) },
      { additionalProperties: true },
    ),
    'the assertion (PublicKeyCredential) in WebAuthn JSON form',
  ),
);
/** An attestation (registering): what @simplewebauthn/browser's startRegistration answers. */
export const AttestationJson = Type.Unsafe<RegistrationResponseJSON>(
  credentialJson(
    Type.Object(
      {
        clientDataJSON: Base64Url,
        attestationObject: Base64Url,
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
      },
      { additionalProperties: true },
    ),
    'the new credential (PublicKeyCredential) in WebAuthn JSON form',
  ),
);
export const CeremonyOptions = Type.Object({ options: WebAuthnOptions, challengeId: Type.String() });
export const PasskeyBody = Type.Object(
  { challengeId: Token, response: AttestationJson, name: Type.Optional(FactorName), enrollmentToken: Type.Optional(EnrollmentToken) },
  NoExtraFields,
);
export const RegisteredPasskey = Type.Object({
  passkey: FactorView,
  recoveryCodes: Type.Optional(RecoveryCodes),
  signIn: FinishedSignIn,
});
export const PasskeyList = Type.Object({ data: Type.Array(FactorView) });
export const PasskeyLoginBody = Type.Object({ challengeId: Token, response: AssertionJson }, NoExtraFields);

export const VerifyBody = Type.Object(
  {
    mfaToken: MfaToken,
    method: Type.Union([Type.Literal('totp'), Type.Literal('webauthn'), Type.Literal('recovery_code')]),
    code: Type.Optional(
      Type.String({
        minLength: 6,
        maxLength: 20,
        description: 'the 6-digit code (totp; spaces and dashes are ignored) or a recovery code',
      }),
    ),
    webauthnResponse: Type.Optional(AssertionJson),
    rememberDevice: Type.Optional(
      Type.Boolean({
        description:
          'remember this browser: a signed HttpOnly cookie that spares its sign-ins of this person the second step for MFA_REMEMBER_DEVICE_DAYS (ignored when that is 0)',
      }),
    ),
  },
  { ...NoExtraFields, description: 'method totp or recovery_code with code; method webauthn with webauthnResponse' },
);
export const RememberedDeviceView = Type.Object({
  id: Uuid,
  userAgent: Nullable(Type.String({ description: 'the browser that was remembered, as it named itself' })),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  expiresAt: Timestamp,
});
export const RememberedDeviceList = Type.Object({ data: Type.Array(RememberedDeviceView) });
export const DeviceParams = Type.Object({ id: Uuid });
export const MfaTokenBody = Type.Object({ mfaToken: MfaToken }, NoExtraFields);
export const SecondFactorOptions = Type.Object({ options: WebAuthnOptions });
/** A passkey proves who the person is; an account an administrator gave a temporary password still replaces it first. */
export const PasskeySignInResponse = Type.Union([TokenResponse, PasswordChangeRequired]);
export { LoginResponse };
export type SignInAnswer = Static<typeof LoginResponse>;
