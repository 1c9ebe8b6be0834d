import { type Static, Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { changes, internalEvent, payload, publicEvent } from '../../platform/events.js';

const Names = Type.Array(Type.String());
const ProviderFields = payload({
  kind: Type.String(),
  slug: Type.String(),
  displayName: Type.String(),
  issuer: Nullable(Type.String()),
  clientId: Type.String(),
  scopes: Names,
  allowedDomains: Names,
  signUpEnabled: Type.Boolean(),
  trustEmailVerified: Type.Boolean(),
  enabled: Type.Boolean(),
});
const Identity = { provider: Type.String(), identityId: Type.String() };
const CodeRejection = Type.Union(
  (['purpose_mismatch', 'verifier_mismatch', 'another_account'] as const).map((reason) => Type.Literal(reason)),
  { description: "a sign-in code given for a link or the reverse, the wrong PKCE verifier, or another user's link code" },
);
export type CodeRejection = Static<typeof CodeRejection>;

/**
 * Identity providers and the identities people sign in with. No event carries a client secret, a
 * state, a code or a token: a changed secret is named (`clientSecretChanged`), never shown. Provider
 * configuration, refused sign-ins and rejected or replayed codes are internal; who signed up and which
 * identities a user holds are public.
 */
export const federationEvents = {
  'identity_provider.created': internalEvent('identity_provider', 1, ProviderFields),
  'identity_provider.updated': internalEvent(
    'identity_provider',
    1,
    payload({ ...changes(ProviderFields).properties, clientSecretChanged: Type.Boolean() }),
  ),
  'identity_provider.deleted': internalEvent('identity_provider', 1, payload({ slug: Type.String(), identities: Type.Integer() })),
  // An administrator's test sign-in (POST /identity-providers/:id/test-sign-in) came back: what it would have done.
  'identity_provider.tested': internalEvent(
    'identity_provider',
    1,
    payload({ slug: Type.String(), outcome: Type.String(), reason: Nullable(Type.String()) }),
  ),
  'federation.registered': publicEvent(
    'user',
    1,
    payload({ provider: Type.String(), email: Type.String(), emailVerified: Type.Boolean(), roles: Names }),
  ),
  'identity.linked': publicEvent('user', 1, payload({ ...Identity, automatic: Type.Boolean() })),
  'identity.unlinked': publicEvent('user', 1, payload(Identity)),
  'federation.sign_in_refused': internalEvent('user', 1, payload({ provider: Type.String(), reason: Type.String() })),
  'federation.code_replayed': internalEvent('user', 1, payload({ provider: Type.String(), sessionId: Nullable(Type.String()) })),
  // A live code presented once and refused (spent all the same): an intercepted code tried without its verifier,
  // or an app's mistake. Unlike a replay it began nothing, so nothing is ended.
  'federation.code_rejected': internalEvent('user', 1, payload({ provider: Type.String(), purpose: Type.String(), reason: CodeRejection })),
} as const;
