import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../config.js';
import { secretStorageNotices, withEmbeddedSecret } from './embedded-secret.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-secret-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const configOf = (env: Record<string, string>): Config => loadConfig({ DATA_DIR: dataDir, ...env }, join(dataDir, 'absent.env'));
const messages = (config: Config) => secretStorageNotices(config).map(({ level, message }) => `${level}: ${message}`);

describe('start-up notices about the sealing secret', () => {
  it('names the embedded secret file on the embedded database, once it is made', () => {
    const notices = secretStorageNotices(withEmbeddedSecret(configOf({ MFA_REMEMBER_DEVICE_DAYS: '7' })));
    expect(notices).toEqual([expect.objectContaining({ level: 'info', file: join(dataDir, 'signing-key-secret') })]);
  });

  it('warns on PostgreSQL without SIGNING_KEY_SECRET, and that remembered devices are off when they were asked for', () => {
    const postgres = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };
    expect(messages(configOf(postgres))).toEqual([expect.stringMatching(/^warn: SIGNING_KEY_SECRET is not set/)]);
    expect(messages(configOf({ ...postgres, MFA_REMEMBER_DEVICE_DAYS: '7' }))).toEqual([
      expect.stringMatching(/^warn: SIGNING_KEY_SECRET is not set/),
      expect.stringMatching(
        /^warn: MFA_REMEMBER_DEVICE_DAYS is 7 but SIGNING_KEY_SECRET is not set: "Remember this device" is not offered/,
      ),
    ]);
  });

  it('says nothing when the secret comes from the environment', () => {
    const secret = 'ab'.repeat(32);
    const postgres = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      SIGNING_KEY_SECRET: secret,
      MFA_REMEMBER_DEVICE_DAYS: '7',
    };
    expect(secretStorageNotices(configOf(postgres))).toEqual([]);
  });
});
