import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { createAccountResolution, refusalOf } from './accounts.js';
import { sha256 } from './codes.js';
import type { FederationKit } from './deps.js';
import { federationErrors as errors } from './errors.js';
import type { ExternalIdentity } from './presets.js';
import { assertMayChangeProviders, type Provider } from './providers.js';
import type { TestSignInResult } from './schemas.js';

/** As long as a sign-in flow: time to sign in at the provider, then to read what came back. */
const TEST_TTL_MS = 10 * 60_000;
const flowKey = (stateHash: string) => `federation:test-flow:${stateHash}`;
const resultKey = (testId: string) => `federation:test-result:${testId}`;

interface TestFlow {
  testId: string;
  providerId: string;
  slug: string;
  testerId: string;
  nonce: string;
  codeVerifier: string;
}

interface StoredResult {
  testerId: string;
  result: TestSignInResult;
}

const identityShown = (identity: ExternalIdentity) => ({
  subject: identity.subject,
  email: identity.email,
  emailVerified: identity.emailVerified,
  firstName: identity.firstName,
  lastName: identity.lastName,
});

/**
 * An administrator's real sign-in with a provider, to see what it answers before people rely on it: the
 * whole round trip (discovery, the provider's own sign-in page, the code exchange, the ID token's checks),
 * then what Tessera would do with that identity (sign in, link by verified address, create an account, or
 * refuse, and why). Nobody is signed in and nothing is written: the flow and its result live in shared
 * state (any node takes the callback) for ten minutes, readable only by the administrator who started it.
 */
export function createTestSignIn(kit: Pick<FederationKit, 'context' | 'protocol' | 'providers' | 'useCases' | 'users'>) {
  const { context, protocol, providers, useCases } = kit;
  const { state: shared } = context;
  const resolution = createAccountResolution(kit);

  async function outcomeOf(provider: Provider, identity: ExternalIdentity): Promise<Omit<TestSignInResult, 'provider' | 'testedAt'>> {
    try {
      const decision = await resolution.decide(context.database.primary, provider, identity);
      const account = decision.outcome === 'creates_account' ? null : { id: decision.user.id, email: decision.user.email };
      return { outcome: decision.outcome, identity: identityShown(identity), account, refusal: null };
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      return {
        outcome: 'refused',
        identity: identityShown(identity),
        account: null,
        refusal: { code: refusal.error.code, detail: refusal.error.detail },
      };
    }
  }

  async function record(flow: TestFlow, work: () => Promise<Omit<TestSignInResult, 'provider' | 'testedAt'>>) {
    let found: Omit<TestSignInResult, 'provider' | 'testedAt'>;
    try {
      found = await work();
    } catch (error) {
      // The provider refused or could not be verified: that is the test's finding, not a failure of ours.
      const refusal = refusalOf(error);
      if (!refusal || (refusal.error.status >= 500 && refusal.error.code !== errors.IDENTITY_PROVIDER_UNAVAILABLE.code)) throw error;
      found = { outcome: 'refused', identity: null, account: null, refusal: { code: refusal.error.code, detail: refusal.error.detail } };
    }
    const result: TestSignInResult = { provider: flow.slug, testedAt: new Date().toISOString(), ...found };
    const stored: StoredResult = { testerId: flow.testerId, result };
    await shared.set(resultKey(flow.testId), JSON.stringify(stored), TEST_TTL_MS);
    return result;
  }

  return {
    /** Where the administrator goes to sign in at the provider, and the id to read the result by. */
    async start(caller: SignedInCaller, providerId: string) {
      assertMayChangeProviders(caller.principal);
      const provider = await providers.settingsOf(providerId);
      const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const authorizationUrl = await protocol.authorizationUrl(provider, checks);
      const flow: TestFlow = {
        testId: randomUUID(),
        providerId,
        slug: provider.slug,
        testerId: caller.principal.userId,
        nonce: checks.nonce,
        codeVerifier: checks.codeVerifier,
      };
      await shared.set(flowKey(sha256(checks.state)), JSON.stringify(flow), TEST_TTL_MS);
      return { authorizationUrl, testId: flow.testId };
    },

    /**
     * The provider's callback, when its state belongs to a test: the URL of the console page showing the
     * result; undefined for any other state (a real sign-in's, or none).
     */
    async finish(caller: Caller, slug: string, state: string, rawQuery: string) {
      const key = flowKey(sha256(state));
      const stored = await shared.get(key);
      if (!stored) return undefined;
      // Taken before the provider is asked: a replayed callback finds nothing (the provider's code is single use too).
      await shared.del(key);
      const flow = JSON.parse(stored) as TestFlow;
      if (flow.slug !== slug) return undefined;
      const result = await record(flow, async () => {
        const provider = await providers.settingsOf(flow.providerId);
        const identity = await protocol.identityOf(provider, rawQuery, { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
        return outcomeOf(provider, identity);
      });
      await useCases.run(caller, (_tx, emit) =>
        emit({
          type: 'identity_provider.tested',
          entityId: flow.providerId,
          actorId: flow.testerId,
          payload: { slug, outcome: result.outcome, reason: result.refusal?.code ?? null },
        }),
      );
      return `${context.config.PUBLIC_URL}/admin/#/identity-providers/tested-${flow.testId}`;
    },

    /** A finished test's result, for the administrator who started it; anyone else's, unknown or expired: 404. */
    async result(caller: SignedInCaller, testId: string): Promise<TestSignInResult> {
      const stored = await shared.get(resultKey(testId));
      const found = stored ? (JSON.parse(stored) as StoredResult) : undefined;
      if (!found || found.testerId !== caller.principal.userId) throw errors.IDENTITY_PROVIDER_TEST_NOT_FOUND();
      return found.result;
    },
  };
}

export type TestSignIn = ReturnType<typeof createTestSignIn>;
