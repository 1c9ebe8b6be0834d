import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import type { Tx } from '../../db/client.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import { assertNotApiKey } from '../access/service.js';
import { authErrors } from '../auth/errors.js';
import type { DomainEvent } from '../events.js';
import { assertMayLinkTo, identityFields } from './accounts.js';
import type { FederationKit } from './deps.js';
import { federationErrors as errors } from './errors.js';
import type { CodeRejection } from './events.js';
import { identityView } from './identities.js';
import * as flows from './queries.flows.js';
import * as queries from './queries.js';
import type { CodeExchange } from './schemas.js';

/** The app's code lives a minute: it only has to travel from the redirect to the app's POST. */
const CODE_TTL_MS = 60_000;
/** The `provider` of a code the hosted sign-in page minted for a person signed in with their password. */
export const HOSTED_CODE_PROVIDER = 'hosted';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** RFC 7636 S256: does this verifier belong to the challenge the app sent at /authorize? */
function verifierMatches(challenge: string, verifier: string) {
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** What a code is presented for: a sign-in, or a link the signed-in user asked for. */
type Expected = { purpose: 'sign_in' } | { purpose: 'link'; userId: string };

/** Why a live code is not honoured for what it is presented for; undefined when it is. */
function rejectionOf(grant: flows.CodeRow, verifier: string, expected: Expected): CodeRejection | undefined {
  if (grant.purpose !== expected.purpose) return 'purpose_mismatch';
  if (!verifierMatches(grant.codeChallenge, verifier)) return 'verifier_mismatch';
  if (expected.purpose === 'link' && grant.userId !== expected.userId) return 'another_account';
  return undefined;
}

/**
 * Tessera's one-time codes: a finished callback hands one to the app, which redeems it with its PKCE
 * verifier, so a code seen on the way (history, logs, another app on the device) is worth nothing.
 */
export function createCodes(kit: Pick<FederationKit, 'auth' | 'context' | 'useCases' | 'users'>) {
  const { useCases, auth } = kit;
  const db = kit.context.database.primary;

  /** A code used a second time: the session its first use started is ended, since the code leaked. */
  async function refuseReplay(caller: Caller, codeHash: string) {
    const used = await flows.findCode(db, codeHash);
    if (!used?.consumedAt) return;
    await useCases.run(caller, async (tx, emit) => {
      if (used.sessionId) await auth.sessions.revokeInUseCase(tx, emit, used.sessionId, 'sign_in_code_replay');
      await emit({
        type: 'federation.code_replayed',
        entityId: used.userId,
        payload: { provider: used.provider, sessionId: used.sessionId },
      });
    });
  }

  /**
   * Takes the code once and answers it if it is this purpose's, the verifier's and (for a link) the caller's.
   * A live code refused here is spent all the same, so that no second verifier can be tried, and audited as
   * rejected: it was not used before, so nothing it began is ended. 'not_live' is a code this request could not
   * take: unknown, expired, or spent by an earlier request (the caller checks for a replay).
   */
  async function redeem(tx: Tx, emit: Emit<DomainEvent>, input: CodeExchange, expected: Expected) {
    const grant = await flows.consumeCode(tx, sha256(input.code));
    if (!grant) return 'not_live' as const;
    const reason = rejectionOf(grant, input.codeVerifier, expected);
    if (!reason) return grant;
    await emit({
      type: 'federation.code_rejected',
      entityId: grant.userId,
      payload: { provider: grant.provider, purpose: grant.purpose, reason },
    });
    return 'rejected' as const;
  }

  return {
    async mint(tx: Tx, values: Omit<flows.NewCode, 'codeHash' | 'expiresAt'>) {
      const code = client.randomState();
      await flows.insertCode(tx, { ...values, codeHash: sha256(code), expiresAt: new Date(Date.now() + CODE_TTL_MS) });
      return code;
    },

    /** POST /auth/oauth/token: the code and the app's verifier → the login shape. */
    async exchange(caller: Caller, input: CodeExchange) {
      const outcome = await useCases.run(caller, async (tx, emit) => {
        const grant = await redeem(tx, emit, input, { purpose: 'sign_in' });
        // Returned rather than thrown: the code stays spent, its rejection audited.
        if (typeof grant === 'string') return grant;
        const user = await kit.users.findById(tx, grant.userId);
        if (!user || !auth.mayHoldSession(user)) return 'refused' as const;
        const amr = grant.amr ?? ['fed'];
        const signedIn = await auth.signIn.complete(tx, user, { via: 'federation', amr, caller, emit });
        if ('accessToken' in signedIn) await flows.setCodeSession(tx, grant.id, String(decodeJwt(signedIn.accessToken).sid));
        return signedIn;
      });
      if (outcome === 'refused') throw authErrors.INVALID_CREDENTIALS();
      if (outcome === 'not_live') await refuseReplay(caller, sha256(input.code));
      if (typeof outcome === 'string') throw errors.OAUTH_CODE_INVALID();
      return outcome;
    },

    /** POST /auth/identities: the signed-in user who asked for the link finishes it with the code and verifier. */
    async completeLink(caller: SignedInCaller, input: CodeExchange) {
      // A leaked key's holder, or support acting as the person, would link their own identity and keep a way in.
      assertNotApiKey(caller.principal);
      const { userId } = caller.principal;
      const linked = await useCases.run(caller, async (tx, emit) => {
        const grant = await redeem(tx, emit, input, { purpose: 'link', userId });
        if (typeof grant === 'string' || !grant.identity) return undefined;
        await assertMayLinkTo(kit.users, tx, userId);
        const known = await queries.findIdentity(tx, grant.provider, grant.identity.subject);
        if (known && known.userId !== userId) throw errors.IDENTITY_ALREADY_LINKED();
        if (known) return known;
        const row = await queries.insertIdentity(tx, { ...identityFields(grant.provider, grant.identity), userId });
        await emit({
          type: 'identity.linked',
          entityId: userId,
          payload: { provider: grant.provider, identityId: row.id, automatic: false },
        });
        return row;
      });
      if (!linked) throw errors.OAUTH_CODE_INVALID();
      return identityView(linked);
    },
  };
}

export type Codes = ReturnType<typeof createCodes>;
