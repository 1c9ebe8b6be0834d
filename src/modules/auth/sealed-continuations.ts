import { hkdfSync, randomBytes } from 'node:crypto';
import { openEnvelope, sealUnder } from '../../platform/sealed.js';
import type { TokenService } from './tokens.js';

/** What every sealed continuation carries besides its content: its own id (for single use) and its end (ms). */
export interface Sealed {
  jti: string;
  exp: number;
}

/**
 * A sign-in's continuation that no row holds (the second step's mfaToken): its content sealed with
 * AES-256-GCM under a key derived from a signing key's secret (every node holds it) and from its purpose, for
 * a few minutes. Opening one proves this deployment made it for that purpose and it has not expired; the
 * content is unreadable to its holder. Single use is the holder's to record, by its `jti`.
 */
export function createSealedContinuations(tokens: Pick<TokenService, 'sealingSecret'>) {
  const keys = new Map<string, Buffer>();

  function keyFor(sealing: { kid: string; secret: Buffer }, purpose: string) {
    const name = `${sealing.kid}:${purpose}`;
    let key = keys.get(name);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', sealing.secret, '', `tessera continuation:${purpose}`, 32));
      keys.set(name, key);
    }
    return key;
  }

  return {
    /** `<kid>.<envelope>`: the content, a new jti and its end, sealed for `purpose`. */
    async seal(purpose: string, content: object, ttlMs: number): Promise<string> {
      const sealing = await tokens.sealingSecret();
      if (!sealing) throw new Error('no active signing key to seal a continuation with');
      const sealed: Sealed = { jti: randomBytes(16).toString('base64url'), exp: Date.now() + ttlMs };
      return `${sealing.kid}.${sealUnder(JSON.stringify({ ...content, ...sealed }), keyFor(sealing, purpose))}`;
    },

    /** The content of a continuation sealed here for `purpose` and not expired; undefined for anything else. */
    async open<T extends object>(purpose: string, token: string): Promise<(T & Sealed) | undefined> {
      const dot = token.indexOf('.');
      if (dot <= 0) return undefined;
      const sealing = await tokens.sealingSecret(token.slice(0, dot));
      if (!sealing) return undefined;
      let content: T & Sealed;
      try {
        content = JSON.parse(openEnvelope(token.slice(dot + 1), keyFor(sealing, purpose)));
      } catch {
        return undefined;
      }
      return typeof content.exp === 'number' && content.exp > Date.now() && typeof content.jti === 'string' ? content : undefined;
    },
  };
}

export type SealedContinuations = ReturnType<typeof createSealedContinuations>;
