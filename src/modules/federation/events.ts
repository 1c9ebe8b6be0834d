import { event } from '../../platform/events.js';

type ProviderFields = {
  kind: string;
  slug: string;
  displayName: string;
  issuer: string | null;
  clientId: string;
  scopes: string[];
  allowedDomains: string[];
  signUpEnabled: boolean;
  enabled: boolean;
};

/**
 * Identity providers and the identities people sign in with. No event carries a client secret, a
 * state, a code or a token: a changed secret is named (`clientSecretChanged`), never shown.
 */
export const federationEvents = {
  'identity_provider.created': event<ProviderFields>('identity_provider'),
  'identity_provider.updated': event<{
    before: Partial<ProviderFields>;
    after: Partial<ProviderFields>;
    clientSecretChanged: boolean;
  }>('identity_provider'),
  'identity_provider.deleted': event<{ slug: string; identities: number }>('identity_provider'),
  'federation.registered': event<{ provider: string; email: string; emailVerified: boolean; roles: string[] }>('user'),
  'identity.linked': event<{ provider: string; identityId: string; automatic: boolean }>('user'),
  'identity.unlinked': event<{ provider: string; identityId: string }>('user'),
  'federation.sign_in_refused': event<{ provider: string; reason: string }>('user'),
  'federation.code_replayed': event<{ provider: string; sessionId: string | null }>('user'),
} as const;
