import { Type } from '@sinclair/typebox';
import { changes, internalEvent, payload, publicEvent } from '../../platform/events.js';

const State = payload({
  name: Type.String(),
  redirectUris: Type.Array(Type.String()),
  postLogoutRedirectUris: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  firstParty: Type.Boolean(),
  logoUri: Type.Union([Type.String(), Type.Null()]),
});

/**
 * Applications (OpenID Connect clients) and what the provider does for people. No event carries a secret or
 * a token: a token is named by its kind, a grant by its id.
 */
export const oidcEvents = {
  // organizationId: where it belongs (null: the platform's); a field added, so still version 1.
  'application.created': publicEvent(
    'application',
    1,
    payload({
      name: Type.String(),
      kind: Type.String(),
      clientId: Type.String(),
      organizationId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  'application.updated': publicEvent('application', 1, changes(State)),
  'application.deleted': publicEvent('application', 1),
  'application.secret_rotated': publicEvent('application', 1, payload({ previousValidUntil: Type.String() })),
  'oidc.authorized': internalEvent(
    'user',
    1,
    payload({ clientId: Type.String(), scopes: Type.Array(Type.String()), amr: Type.Array(Type.String()) }),
  ),
  'oidc.consent_granted': internalEvent('user', 1, payload({ clientId: Type.String(), scopes: Type.Array(Type.String()) })),
  'oidc.consent_revoked': internalEvent('user', 1, payload({ clientId: Type.String(), grantId: Type.String() })),
  'oidc.token_revoked': internalEvent('application', 1, payload({ clientId: Type.String(), kind: Type.String() })),
  'oidc.logout': internalEvent('user', 1, payload({ clientId: Type.Union([Type.String(), Type.Null()]) })),
} as const;
