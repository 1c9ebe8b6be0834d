import { createHmac } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { Executor } from '../../db/client.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import type { Emit } from '../../platform/use-case.js';
import { assertNotApiKey } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import { type MfaKit, trustEndingEvents } from './deps.js';
import { mfaErrors as errors } from './errors.js';
import * as queries from './queries.devices.js';
import { digest, newToken } from './secrets.js';

const DAY_MS = 86_400_000;

export const rememberedDeviceView = (row: queries.RememberedDeviceRow) => ({
  id: row.id,
  userAgent: row.userAgent,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: isoOrNull(row.lastUsedAt),
  expiresAt: row.expiresAt.toISOString(),
});

/**
 * "Remember this device" (Okta's "do not challenge me on this device", Auth0's "remember this browser"): after a
 * second factor, a browser may get a cookie that spares its sign-ins of that person the second step for
 * MFA_REMEMBER_DEVICE_DAYS. The cookie holds a random token signed with a key derived from
 * SIGNING_KEY_SECRET (a forged or altered one is refused before any lookup); the table holds its SHA-256 only.
 * Such a sign-in proved a password, not a factor: its amr stays ["pwd"] (acr aal1), so step-up still asks.
 */
export function createRememberedDevices(kit: MfaKit) {
  const { config } = kit.context;
  const { useCases } = kit;
  const db = kit.context.database.primary;
  // The cookie is signed under its own key: SIGNING_KEY_SECRET itself never signs anything a browser holds.
  const signingKey = config.SIGNING_KEY_SECRET
    ? createHmac('sha256', Buffer.from(config.SIGNING_KEY_SECRET, 'hex')).update('tessera remembered device cookie').digest()
    : undefined;
  const days = signingKey ? config.MFA_REMEMBER_DEVICE_DAYS : 0;
  const secure = config.PUBLIC_URL.startsWith('https:');
  // `__Host-`: sent only to this host, over https, for every path; what the browser session's cookie does too.
  const cookieName = secure ? '__Host-tessera_device' : 'tessera_device';

  /** The token of the request's remembered-device cookie when its signature holds. */
  function presentedToken(caller: Caller) {
    const raw = caller.cookie?.(cookieName);
    if (!raw || !signingKey) return undefined;
    const unsigned = fastifyCookie.unsign(raw, signingKey);
    return unsigned.valid ? unsigned.value : undefined;
  }

  async function forgetAll(tx: Executor, emit: Emit<DomainEvent>, userId: string, reason: string) {
    const devices = await queries.deleteRememberedDevicesOf(tx, userId);
    if (devices > 0) await emit({ type: 'mfa.device_forgotten', entityId: userId, payload: { devices, reason } });
  }

  useCases.react(trustEndingEvents, async (tx, event, { emit }) => {
    if (event.entityId) await forgetAll(tx, emit, event.entityId, event.type);
  });

  return {
    /** Days a browser may be remembered; 0 when not offered (MFA_REMEMBER_DEVICE_DAYS 0, or no key to sign with). */
    days,
    forgetAll,

    /** The Set-Cookie header of a remembered device's cookie (a token from `remember`). */
    cookieHeader: (value: string) =>
      fastifyCookie.serialize(cookieName, value, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: days * 86_400 }),

    /**
     * Remembers the caller's browser for the person who just proved a factor in it: the cookie's value
     * (signed token), or undefined when remembering is not offered.
     */
    async remember(tx: Executor, emit: Emit<DomainEvent>, caller: Caller, userId: string) {
      if (!signingKey || days === 0) return undefined;
      const token = newToken();
      const device = await queries.insertRememberedDevice(tx, {
        userId,
        tokenHash: digest(token),
        userAgent: caller.userAgent?.slice(0, 500) ?? null,
        expiresAt: new Date(Date.now() + days * DAY_MS),
      });
      await emit({
        type: 'mfa.device_remembered',
        entityId: userId,
        actorId: userId,
        payload: { deviceId: device.id, expiresAt: device.expiresAt.toISOString() },
      });
      return fastifyCookie.sign(token, signingKey);
    },

    /** Whether the request carries a remembered-device cookie signed here (its row is then checked by `recognised`). */
    presents: (caller: Caller) => days > 0 && presentedToken(caller) !== undefined,

    /** Whether the caller's browser is remembered for this person (and still may be); its use is recorded. */
    async recognised(tx: Executor, emit: Emit<DomainEvent>, caller: Caller, userId: string) {
      const token = days > 0 ? presentedToken(caller) : undefined;
      if (!token) return false;
      const device = await queries.markRememberedDeviceUsed(tx, userId, digest(token));
      if (!device) return false;
      await emit({ type: 'mfa.remembered_device_used', entityId: userId, actorId: userId, payload: { deviceId: device.id } });
      return true;
    },

    async list(caller: SignedInCaller) {
      return { data: (await queries.listRememberedDevices(db, caller.principal.userId)).map(rememberedDeviceView) };
    },

    async forget(caller: SignedInCaller, id: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const userId = caller.principal.userId;
        if (!(await queries.deleteRememberedDevice(tx, userId, id))) throw errors.REMEMBERED_DEVICE_NOT_FOUND();
        await emit({ type: 'mfa.device_forgotten', entityId: userId, payload: { devices: 1, reason: 'forgotten' } });
      });
    },

    async forgetEvery(caller: SignedInCaller) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, (tx, emit) => forgetAll(tx, emit, caller.principal.userId, 'forgotten'));
    },

    deleteExpired: () => queries.deleteExpiredRememberedDevices(db),
  };
}

export type RememberedDevices = ReturnType<typeof createRememberedDevices>;
