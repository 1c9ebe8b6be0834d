import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

export const embeddedSecretFile = (dataDir: string) => join(dataDir, 'signing-key-secret');

/** Made once, owner-only; of two processes making it at once, the second reads the first's ('wx' refuses to overwrite). */
function readOrMakeSecret(file: string): string {
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * On the embedded database without SIGNING_KEY_SECRET, a secret of the data directory's own (made on first
 * start, file mode 600), so that signing keys and identity providers' secrets are always sealed, in the
 * database and in its backups. On PostgreSQL the variable stays the only source: nodes share no directory.
 */
export function withEmbeddedSecret(config: Config): Config {
  if (config.SIGNING_KEY_SECRET || config.DATABASE_URL) return config;
  mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
  return { ...config, SIGNING_KEY_SECRET: readOrMakeSecret(embeddedSecretFile(config.DATA_DIR)) };
}

/** The file the configured secret came from, when it is the embedded one. */
export function embeddedSecretSource(config: Config): string | undefined {
  if (config.DATABASE_URL || !config.SIGNING_KEY_SECRET) return undefined;
  const file = embeddedSecretFile(config.DATA_DIR);
  try {
    return readFileSync(file, 'utf8').trim() === config.SIGNING_KEY_SECRET ? file : undefined;
  } catch {
    return undefined;
  }
}

/** What start-up says of the sealing secret: where it comes from, or what its absence leaves unprotected or off. */
export function secretStorageNotices(config: Config): { level: 'info' | 'warn'; message: string; file?: string }[] {
  const file = embeddedSecretSource(config);
  if (file)
    return [
      {
        level: 'info',
        file,
        message:
          "signing keys and identity providers' secrets are sealed with the embedded secret in DATA_DIR: keep a copy of it apart from your backups",
      },
    ];
  if (config.SIGNING_KEY_SECRET) return [];
  const unsealed = {
    level: 'warn' as const,
    message:
      "SIGNING_KEY_SECRET is not set: signing keys and identity providers' secrets are stored unsealed in PostgreSQL and in its backups",
  };
  if (config.MFA_REMEMBER_DEVICE_DAYS === 0) return [unsealed];
  const noRemembering = {
    level: 'warn' as const,
    message: `MFA_REMEMBER_DEVICE_DAYS is ${config.MFA_REMEMBER_DEVICE_DAYS} but SIGNING_KEY_SECRET is not set: "Remember this device" is not offered (its cookie is signed with a key derived from that secret)`,
  };
  return [unsealed, noRemembering];
}
