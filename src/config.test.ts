import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, renderEnvExample, settings } from './config.js';

const noFile = '/nonexistent/.env';

describe('configuration', () => {
  it('has defaults for a zero-setup start on embedded PGlite', () => {
    const config = loadConfig({}, noFile);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe('./data');
    expect(config.PORT).toBe(3000);
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.DB_POOL_SIZE).toBe(20);
    expect(config.EMBEDDED_SHARED_BUFFERS).toBe('128MB');
    expect(config.ALLOWED_AVATAR_FORMATS).toEqual(['jpg', 'jpeg', 'png', 'gif']);
    expect(config.INVITATION_EXPIRES_IN).toBe(7 * 86_400_000);
    expect(config.REMINDER_INTERVAL).toBe(2 * 86_400_000);
    expect(config.STATS_UPDATE_INTERVAL).toBe(3_600_000);
    expect(loadConfig({ ACCESS_TOKEN_TTL: '250ms', SESSION_MAX_AGE: '2w' }, noFile)).toMatchObject({
      ACCESS_TOKEN_TTL: 250,
      SESSION_MAX_AGE: 14 * 86_400_000,
    });
  });

  it.each([
    ['PORT', '70000', 'PORT must be an integer from 0 to 65535, got "70000"'],
    ['DB_POOL_SIZE', '0', 'DB_POOL_SIZE must be an integer from 1 to 1000, got "0"'],
    ['DATABASE_URL', 'not a url', 'DATABASE_URL must be a URL, got "not a url"'],
    ['REDIS_URL', 'http://x', 'REDIS_URL must use redis: or rediss:, got "http:"'],
    [
      'INVITATION_EXPIRES_IN',
      'a week',
      'INVITATION_EXPIRES_IN must be a duration with a unit (ms, s, m, h, d, w) like 15m, 2h or 7d, got "a week"',
    ],
    // A bare number used to mean milliseconds: 15 minutes written as "15" made tokens die at once.
    ['ACCESS_TOKEN_TTL', '15', 'ACCESS_TOKEN_TTL must be a duration with a unit (ms, s, m, h, d, w) like 15m, 2h or 7d, got "15"'],
    ['ALLOWED_AVATAR_FORMATS', 'png,svg', 'ALLOWED_AVATAR_FORMATS must be one of jpg, jpeg, png, gif, webp, got "svg"'],
    ['AUTO_MIGRATE', 'maybe', 'AUTO_MIGRATE must be true or false, got "maybe"'],
    // A bare number is PostgreSQL's 8 kB pages, not bytes or megabytes: refused rather than guessed.
    [
      'EMBEDDED_SHARED_BUFFERS',
      '128',
      'EMBEDDED_SHARED_BUFFERS must be a size with a unit (kB, MB, GB) like 128MB, at least 1024kB, got "128"',
    ],
    [
      'EMBEDDED_SHARED_BUFFERS',
      '512kB',
      'EMBEDDED_SHARED_BUFFERS must be a size with a unit (kB, MB, GB) like 128MB, at least 1024kB, got "512kB"',
    ],
    ['SIGNING_KEY_SECRET', 'short', 'SIGNING_KEY_SECRET must be 64 hex characters (32 bytes)'],
  ])('refuses a bad %s with one line naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value }, noFile)).toThrow(new ConfigError(`Invalid configuration: ${message}`));
  });

  it('takes the database as DATABASE_URL, as USER_DATABASE_URL, or in parts from DB_HOST, and refuses two of them', () => {
    const url = 'postgres://app@db.internal:5432/users';
    expect(loadConfig({ DATABASE_URL: url }, noFile).DATABASE_URL).toBe(url);
    expect(loadConfig({ USER_DATABASE_URL: url }, noFile).DATABASE_URL).toBe(url);
    const parts = { DB_HOST: 'db.internal', DB_PORT: '6432', DB_USERNAME: 'app', DB_PASSWORD: 'p@ss:w/rd', DB_NAME: 'user_service' };
    const fromParts = loadConfig(parts, noFile).DATABASE_URL as string;
    expect(fromParts).toBe('postgres://app:p%40ss%3Aw%2Frd@db.internal:6432/user_service');
    const read = new URL(fromParts);
    expect([decodeURIComponent(read.password), read.hostname, read.port, read.pathname]).toEqual([
      'p@ss:w/rd',
      'db.internal',
      '6432',
      '/user_service',
    ]);
    expect(loadConfig({ DB_HOST: 'localhost' }, noFile).DATABASE_URL).toBe('postgres://postgres@localhost:5432/tessera');
    expect(() => loadConfig({ DATABASE_URL: url, DB_HOST: 'localhost' }, noFile)).toThrow(
      new ConfigError('Invalid configuration: DB_HOST and DATABASE_URL both name the database: set one of them'),
    );
    expect(() => loadConfig({ DATABASE_URL: url, USER_DATABASE_URL: url }, noFile)).toThrow(/USER_DATABASE_URL and DATABASE_URL/);
  });

  it('logs statements when asked, or under NODE_ENV=development unless told not to', () => {
    expect(loadConfig({}, noFile).LOG_QUERIES).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }, noFile).LOG_QUERIES).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', LOG_QUERIES: 'false' }, noFile).LOG_QUERIES).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', LOG_QUERIES: 'true' }, noFile).LOG_QUERIES).toBe(true);
  });

  it('requires the bootstrap admin email and password together', () => {
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com' }, noFile)).toThrow(/BOOTSTRAP_ADMIN_PASSWORD/);
  });

  it('reads .env, with the real environment taking precedence', () => {
    const dir = mkdtempSync(`${tmpdir()}/tessera-env-`);
    writeFileSync(`${dir}/.env`, 'PORT=4000\nLOG_LEVEL=debug\n');
    const config = loadConfig({ LOG_LEVEL: 'warn' }, `${dir}/.env`);
    expect(config.PORT).toBe(4000);
    expect(config.LOG_LEVEL).toBe('warn');
  });

  it('documents every setting in .env.example', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    expect(example).toBe(renderEnvExample());
    for (const name of Object.keys(settings)) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
