import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';

/** Thrown for any bad setting; its message is the one line an operator needs. */
export class ConfigError extends Error {}

type Parser<T> = (raw: string, name: string) => T;

const fail = (name: string, why: string): never => {
  throw new ConfigError(`Invalid configuration: ${name} ${why}`);
};

const str: Parser<string> = (raw) => raw;
const optional =
  <T>(parser: Parser<T>): Parser<T | undefined> =>
  (raw, name) =>
    raw === '' ? undefined : parser(raw, name);

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw, name) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) fail(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
    return value;
  };

const bool: Parser<boolean> = (raw, name) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return fail(name, `must be true or false, got "${raw}"`);
};

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Durations with a unit ("7d", "2d", "1h", "15m", "500ms"). A unit is required: a bare
 * number once meant milliseconds, so ACCESS_TOKEN_TTL=15 made tokens that died at once.
 */
export const duration: Parser<number> = (raw, name) => {
  const match = /^(\d+)\s*(ms|s|m|h|d|w)$/.exec(raw.trim());
  if (!match) return fail(name, `must be a duration with a unit (ms, s, m, h, d, w) like 15m, 2h or 7d, got "${raw}"`);
  return Number(match[1]) * (units[match[2] as string] ?? 1);
};

const url =
  (...protocols: string[]): Parser<string> =>
  (raw, name) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(name, `must be a URL, got "${raw}"`);
    }
    if (!protocols.includes(parsed.protocol)) fail(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
    return raw.replace(/\/$/, '');
  };

const list =
  <T>(item: Parser<T>): Parser<T[]> =>
  (raw, name) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => item(part, name));

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) =>
    values.includes(raw as T) ? (raw as T) : fail(name, `must be one of ${values.join(', ')}, got "${raw}"`);

/** A size as PostgreSQL writes it (`512kB`, `128MB`, `1GB`), at least `minKb`. */
const memorySize =
  (minKb: number): Parser<string> =>
  (raw, name) => {
    const match = /^(\d+)(kB|MB|GB)$/.exec(raw.trim());
    const kb = match ? Number(match[1]) * { kB: 1, MB: 1024, GB: 1024 * 1024 }[match[2] as 'kB' | 'MB' | 'GB'] : 0;
    return match && kb >= minKb
      ? `${match[1]}${match[2]}`
      : fail(name, `must be a size with a unit (kB, MB, GB) like 128MB, at least ${minKb}kB, got "${raw}"`);
  };
const email: Parser<string> = (raw, name) =>
  /^[^\s@]+@[^\s@]+$/.test(raw) ? raw.toLowerCase() : fail(name, `must be an email address, got "${raw}"`);

/** An app's redirect URI: absolute (https, loopback http or a native app's own scheme), without a fragment. */
const redirectUri: Parser<string> = (raw, name) => {
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.hash || raw.includes('#')) return fail(name, `must list absolute URLs without a fragment, got "${raw}"`);
  return raw;
};

const uuid: Parser<string> = (raw, name) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)
    ? raw.toLowerCase()
    : fail(name, `must be a UUID, got "${raw}"`);

const hexKey: Parser<string> = (raw, name) => (/^[0-9a-fA-F]{64}$/.test(raw) ? raw : fail(name, 'must be 64 hex characters (32 bytes)'));

interface Setting<T> {
  parse: Parser<T>;
  default: string;
  doc: string;
}
const setting = <T>(parse: Parser<T>, defaultValue: string, doc: string): Setting<T> => ({ parse, default: defaultValue, doc });

/** Every setting Tessera reads, with its default and meaning; `.env.example` and docs/configuration.md are generated from this list. */
export const settings = {
  PORT: setting(int(0, 65535), '3000', 'HTTP port'),
  HOST: setting(str, '0.0.0.0', 'interface to listen on'),
  PUBLIC_URL: setting(
    optional(url('http:', 'https:')),
    '',
    'external base URL used in mailed links and as token issuer (default http://localhost:PORT)',
  ),
  LOG_LEVEL: setting(oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info', 'pino log level'),
  NODE_ENV: setting(optional(str), '', 'development turns LOG_QUERIES on unless it is set; nothing else reads it'),
  LOG_QUERIES: setting(
    optional(bool),
    '',
    'log the text of every SQL statement Tessera builds, as an info line named sql (never its parameters: they carry hashes and tokens); empty: on when NODE_ENV=development',
  ),
  TRUST_PROXY: setting(bool, 'false', 'trust X-Forwarded-For from a reverse proxy for client IPs'),
  CORS_ORIGINS: setting(list(str), '', 'comma-separated origins allowed by CORS (empty: same-origin only)'),
  BODY_LIMIT_BYTES: setting(int(1024), '102400', 'largest accepted JSON request body'),
  DATA_DIR: setting(str, './data', 'directory for the embedded database and uploaded files'),
  DATABASE_URL: setting(
    optional(url('postgres:', 'postgresql:')),
    '',
    'PostgreSQL URL; empty (and no USER_DATABASE_URL or DB_HOST) runs embedded PGlite in DATA_DIR',
  ),
  USER_DATABASE_URL: setting(optional(url('postgres:', 'postgresql:')), '', 'another name for DATABASE_URL: set one of them'),
  DB_HOST: setting(
    optional(str),
    '',
    'PostgreSQL host, for a database given in parts instead of a URL (with DB_PORT, DB_USERNAME, DB_PASSWORD, DB_NAME)',
  ),
  DB_PORT: setting(int(1, 65535), '5432', 'with DB_HOST: the port'),
  DB_USERNAME: setting(str, 'postgres', 'with DB_HOST: the user'),
  DB_PASSWORD: setting(optional(str), '', "with DB_HOST: the user's password"),
  DB_NAME: setting(str, 'tessera', 'with DB_HOST: the database'),
  EMBEDDED_SHARED_BUFFERS: setting(
    memorySize(1024),
    '128MB',
    "the embedded database's page cache (kB, MB or GB): it is all touched as the database opens, so a process that opens it for one command starts faster with less",
  ),
  DATABASE_REPLICA_URLS: setting(
    list(url('postgres:', 'postgresql:')),
    '',
    'comma-separated URLs of streaming replicas of DATABASE_URL, for reads that may be stale',
  ),
  REPLICA_MAX_LAG: setting(
    duration,
    '2s',
    "how stale another principal's read from a replica may be: a replica further behind is not used (a principal always reads its own writes)",
  ),
  DB_POOL_SIZE: setting(int(1, 1000), '20', 'connections in the pool to DATABASE_URL'),
  DB_REPLICA_POOL_SIZE: setting(optional(int(1, 1000)), '', 'connections in the pool to each replica (default DB_POOL_SIZE)'),
  DB_CONNECTION_TIMEOUT: setting(
    int(1),
    '10000',
    "ms to wait for a pooled connection, or for the embedded database's one connection, before answering 503",
  ),
  DB_IDLE_TIMEOUT: setting(int(1), '30000', 'ms before an idle connection is closed'),
  DB_STATEMENT_TIMEOUT: setting(duration, '30s', 'longest a PostgreSQL statement may run before it is cancelled'),
  SHUTDOWN_DRAIN: setting(
    duration,
    '0s',
    "after SIGTERM, how long /health/ready answers 503 while requests are still served, before the node closes: behind a load balancer, at least its health checks' fall × interval",
  ),
  AUTO_MIGRATE: setting(bool, 'true', 'apply pending migrations at start'),
  REDIS_URL: setting(optional(url('redis:', 'rediss:')), '', 'Redis URL for shared rate limits, caches and invalidation across nodes'),
  REDIS_KEY_PREFIX: setting(str, 'tessera:', 'prefix of every Redis key, so several deployments can share one Redis'),
  BOOTSTRAP_ADMIN_EMAIL: setting(optional(email), '', 'super-admin created at first start when no user exists'),
  BOOTSTRAP_ADMIN_PASSWORD: setting(optional(str), '', 'password of that super-admin'),
  DEFAULT_PRESET: setting(
    oneOf('basic', 'events', 'learning', 'saas'),
    'basic',
    'roles and permissions seeded at first start when none exist',
  ),
  JOBS_ENABLED: setting(bool, 'true', 'run scheduled jobs (expiries, reminders, retention) and the audit sealer on this node'),
  METRICS_INTERVAL: setting(duration, '30s', 'how often the user metrics at /metrics are recomputed'),
  METRICS_TOKEN: setting(
    optional(str),
    '',
    'bearer token a scraper must present to read /metrics (Authorization: Bearer …); empty: /metrics answers anyone, so keep it off public networks',
  ),
  MAX_AVATAR_SIZE_MB: setting(int(1, 100), '5', 'largest avatar upload'),
  ALLOWED_AVATAR_FORMATS: setting(
    list(oneOf('jpg', 'jpeg', 'png', 'gif', 'webp')),
    'jpg,jpeg,png,gif',
    'avatar formats accepted, judged from the bytes',
  ),
  AVATAR_STORAGE_BUCKET: setting(
    optional(str),
    '',
    'S3 bucket avatars are stored in; empty keeps them on disk in DATA_DIR. Credentials: the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or an instance role)',
  ),
  S3_ENDPOINT: setting(optional(url('http:', 'https:')), '', 'S3-compatible endpoint (MinIO, R2, …), addressed path-style; empty: AWS S3'),
  S3_REGION: setting(str, 'us-east-1', 'region of the avatar bucket'),
  INVITATION_EXPIRES_IN: setting(duration, '7d', 'lifetime of an invitation'),
  MAX_REMINDER_COUNT: setting(int(0, 100), '3', 'reminders sent for a pending invitation'),
  REMINDER_INTERVAL: setting(duration, '2d', 'time between invitation reminders'),
  ACTIVITY_RETENTION_DAYS: setting(int(1), '365', 'days user activities are kept; an hourly job deletes older ones'),
  STATS_UPDATE_INTERVAL: setting(
    duration,
    '1h',
    'how often the time-windowed learning statistics are recomputed; rounded down to a divisor of an hour or a day, as cron counts',
  ),
  JWT_AUDIENCE: setting(str, 'tessera', 'aud claim of access tokens'),
  ACCESS_TOKEN_TTL: setting(duration, '15m', 'access token lifetime'),
  SESSION_IDLE_TIMEOUT: setting(duration, '7d', 'a session unused this long ends'),
  SESSION_MAX_AGE: setting(duration, '30d', 'a session ends this long after sign-in, used or not'),
  SIGNING_KEY_SECRET: setting(
    optional(hexKey),
    '',
    "32-byte hex key that encrypts signing keys and identity providers' client secrets at rest; empty on the embedded database: a key made in DATA_DIR/signing-key-secret (mode 600) on first start; empty on PostgreSQL: stored unsealed, and the start says so",
  ),
  SIGNING_KEY_OVERLAP: setting(duration, '1d', 'how long a rotated-out signing key stays published'),
  SIGNING_KEY_RELOAD_INTERVAL: setting(
    duration,
    '60s',
    'how often each node rereads the signing keys (in the background), so a rotation elsewhere is picked up',
  ),
  OIDC_SESSION_TTL: setting(
    duration,
    '14d',
    "how long the OpenID provider remembers a person's sign-in for the applications (its session)",
  ),
  OIDC_REFRESH_TOKEN_TTL: setting(duration, '30d', 'lifetime of a refresh token issued to an application; each use rotates it'),
  OIDC_ID_TOKEN_TTL: setting(duration, '1h', 'lifetime of an ID token issued to an application'),
  OIDC_CODE_TTL: setting(duration, '60s', 'lifetime of an authorization code (it is redeemed at once)'),
  OIDC_INTERACTION_TTL: setting(duration, '1h', 'how long a person has to sign in or consent once an application sent them'),
  OIDC_GRANT_TTL: setting(duration, '365d', "how long a person's consent to an application lasts"),
  APPLICATION_SECRET_GRACE: setting(duration, '1d', "how long an application's previous client secret still works after a rotation"),
  PASSWORD_MIN_LENGTH: setting(int(8, 64), '10', 'shortest accepted password'),
  REQUIRE_EMAIL_VERIFICATION: setting(bool, 'false', 'refuse sign-in until the email is verified'),
  RESET_TOKEN_TTL: setting(duration, '30m', 'password reset link lifetime'),
  VERIFY_TOKEN_TTL: setting(duration, '24h', 'email verification link lifetime'),
  STEP_UP_MAX_AGE: setting(
    duration,
    '10m',
    'how recent a sign-in must be (auth_time, with a second factor when the person has one) for what changes credentials or grants power: password change, factor changes, API key creation, role grants; the email change without the current password likewise',
  ),
  EMAIL_CHANGE_ENDS_SESSIONS: setting(bool, 'true', "confirming a new email address ends the account's other sessions"),
  AUTH_RATE_LIMIT_PER_MINUTE: setting(
    int(1),
    '60',
    "requests per minute per IP (an IPv6 client: per /64), one budget, to what accepts a password, a code or a mailed link: the /auth routes (register, login, forgot/reset-password, verify-email, resend-verification, change-password, the second step, a passkey sign-in, a social sign-in's return), the invitation routes and the forms of the hosted pages. Each is counted before it is read; one that proves what it checked (a sign-in, a code, a link) gives its count back, so people signing in from one address (an office's NAT) spend it on failures only, while what mails keeps its count. What starts a ceremony (passkey options, a social sign-in's start) checks nothing and is not in this budget (AUTH_TOKEN_RATE_LIMIT_PER_MINUTE's)",
  ),
  AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: setting(
    int(1),
    '6000',
    "requests per minute per IP (an IPv6 client: per /64), a budget of their own, to what trades a token nobody can guess for new tokens (POST /auth/refresh-token, an app's POST /auth/oauth/token) and to what starts a ceremony that checks nothing (passkey options, a social sign-in's start, on the API and the hosted pages). Every client refreshes every few minutes, every passkey or social sign-in starts once, and many share one address (an office's NAT, an app's server), so these are kept out of AUTH_RATE_LIMIT_PER_MINUTE's budget; this one holds off a flood",
  ),
  AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: setting(
    int(1),
    '600',
    'requests per minute per signed-in user or API key to the other /auth routes (/auth/me, logout, sessions, API keys): a browser app calls them often, and many users may share one IP',
  ),
  MAX_EMAILS_PER_HOUR: setting(int(1), '5', 'account mails (verification, reset, email change) per address per hour'),
  SMTP_URL: setting(optional(url('smtp:', 'smtps:')), '', 'SMTP server; empty logs mails instead of sending them'),
  MAIL_FROM: setting(str, 'Tessera <no-reply@localhost>', 'sender of every mail'),
  MAIL_POLL_INTERVAL: setting(duration, '1s', 'how often the outbox is checked for mail to send (a committed mail also wakes it at once)'),
  MAIL_RETRY_BACKOFF: setting(
    duration,
    '5s',
    'first wait after a failed delivery; doubles with each attempt, up to an hour. A mail is kept while SMTP is unreachable or answers "try later", however long; it is given up only when the server itself refuses it (5xx) at its tenth attempt or later',
  ),
  OAUTH_REDIRECT_ALLOWLIST: setting(
    list(redirectUri),
    '',
    "the apps' redirect URIs social sign-in may send people back to, comma-separated, compared exactly (empty: social sign-in is off)",
  ),
  OAUTH_GOOGLE_CLIENT_ID: setting(optional(str), '', 'Google sign-in (slug google): the OAuth client id'),
  OAUTH_GOOGLE_CLIENT_SECRET: setting(optional(str), '', 'its client secret'),
  OAUTH_MICROSOFT_CLIENT_ID: setting(optional(str), '', 'Microsoft Entra ID sign-in (slug microsoft): the application (client) id'),
  OAUTH_MICROSOFT_CLIENT_SECRET: setting(optional(str), '', 'its client secret'),
  OAUTH_MICROSOFT_TENANT: setting(optional(uuid), '', 'its directory (tenant) id'),
  OAUTH_GITHUB_CLIENT_ID: setting(optional(str), '', 'GitHub sign-in (slug github): the OAuth app client id'),
  OAUTH_GITHUB_CLIENT_SECRET: setting(optional(str), '', 'its client secret'),
  OAUTH_FACEBOOK_CLIENT_ID: setting(optional(str), '', 'Facebook sign-in (slug facebook): the app id'),
  OAUTH_FACEBOOK_CLIENT_SECRET: setting(optional(str), '', 'its app secret'),
  OAUTH_OIDC_ISSUER: setting(
    optional(url('https:')),
    '',
    'any OpenID Connect provider (slug oidc): its issuer (https only), found by discovery',
  ),
  OAUTH_OIDC_CLIENT_ID: setting(optional(str), '', 'its client id'),
  OAUTH_OIDC_CLIENT_SECRET: setting(optional(str), '', 'its client secret'),
  OAUTH_OIDC_NAME: setting(str, 'Single sign-on', 'its name as apps show it'),
  OAUTH_OIDC_TRUST_EMAIL_VERIFIED: setting(
    bool,
    'true',
    'take its email_verified claim: an address it calls verified may link to the account that has it (false: every address it gives is unverified)',
  ),
  OAUTH_SIGN_UP_ENABLED: setting(bool, 'true', "a first sign-in through a provider set here creates the person's account"),
  OAUTH_ALLOWED_DOMAINS: setting(
    list(str),
    '',
    'comma-separated email domains the providers set here accept (verified addresses only; empty: any)',
  ),
  ALLOW_PRIVATE_NETWORK_TARGETS: setting(
    bool,
    'false',
    'let the https addresses administrators name (identity provider issuers and the endpoints they point to) reach loopback and private-network hosts (tests and closed networks only)',
  ),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: setting(
    bool,
    'false',
    'let webhook endpoints use plain http and loopback or private-network addresses (tests and closed networks only): otherwise https to public addresses only, checked when saved and at each delivery',
  ),
  WEBHOOK_TIMEOUT: setting(duration, '15s', 'a webhook delivery not answered with a 2xx within this long has failed and is retried'),
  WEBHOOK_POLL_INTERVAL: setting(
    duration,
    '1s',
    'how often each node looks for webhook deliveries that are due (a committed event also wakes it at once)',
  ),
  WEBHOOK_ORGANIZATION_CONCURRENCY: setting(
    int(1, 20),
    '10',
    "webhook attempts one node runs at once for one organization's endpoints, of its 20 (the platform-wide endpoints count as one organization): one tenant's hanging endpoints leave the other slots to the others",
  ),
  WEBHOOK_SECRET_GRACE: setting(duration, '24h', 'after a webhook secret is rotated, how long the old secret still signs deliveries too'),
  WEBHOOK_DISABLE_AFTER: setting(
    duration,
    '5d',
    'a webhook endpoint whose deliveries have failed for this long is disabled and its owner mailed',
  ),
  MFA_POLICY: setting(
    oneOf('off', 'optional', 'required_for_admins', 'required'),
    'optional',
    'who needs a second factor at sign-in (an organization may set its own): off (none, enrolment refused), optional (those who enrolled one), required_for_admins (holders of any permission must enrol), required (everybody must enrol)',
  ),
  MFA_REMEMBER_DEVICE_DAYS: setting(
    int(0, 30),
    '0',
    'days a browser may skip the second step after the person proved a factor there and ticked "Remember this device" (a signed HttpOnly cookie; at most 30); 0: never offered. Ended sooner by a password change or reset, a factor reset, the last factor removed, sign-out everywhere, suspension. Needs SIGNING_KEY_SECRET (always set on the embedded database) to sign the cookie',
  ),
  WEBAUTHN_RP_ID: setting(optional(str), '', "passkeys' relying-party id (a registrable domain); empty: PUBLIC_URL's host name"),
  WEBAUTHN_RP_NAME: setting(str, 'Tessera', 'the name an authenticator shows for passkeys made here'),
  WEBAUTHN_ORIGINS: setting(list(str), '', "comma-separated origins passkey ceremonies may come from; empty: PUBLIC_URL's origin"),
  SELF_REGISTRATION: setting(
    bool,
    'true',
    'anyone may create an account (POST /auth/register and the hosted /sign-up page); false: accounts come from invitations, administrators and imports only',
  ),
  BRAND_NAME: setting(str, 'Tessera', 'the name the hosted sign-in and account pages (and their mails) show'),
  BRAND_LOGO_URL: setting(
    optional(url('https:', 'http:')),
    '',
    "a logo shown on the hosted pages' header (https image; empty: the name only)",
  ),
  BRAND_PRIMARY_COLOR: setting(
    optional((raw, name) =>
      /^#[0-9a-fA-F]{6}$/.test(raw.trim()) ? raw.trim() : fail(name, `must be a colour like #1f5f7f, got "${raw}"`),
    ),
    '',
    "the hosted pages' accent colour (#rrggbb; empty: Tessera's own)",
  ),
  BRAND_SUPPORT_EMAIL: setting(optional(str), '', "an address the hosted pages' footer offers for help (empty: no footer)"),
  REFRESH_REUSE_GRACE: setting(
    duration,
    '10s',
    'a just-rotated refresh token presented again within this window is refused without revoking its session (parallel requests of one client)',
  ),
} as const;

export type SettingName = keyof typeof settings;
type Parsed<S> = S extends Setting<infer T> ? T : never;
type RawConfig = { [K in SettingName]: Parsed<(typeof settings)[K]> };
export type Config = Omit<RawConfig, 'PUBLIC_URL' | 'LOG_QUERIES'> & { PUBLIC_URL: string; LOG_QUERIES: boolean };

/**
 * The one PostgreSQL database, however it was named: DATABASE_URL, USER_DATABASE_URL, or in parts from DB_HOST
 * (platforms that hand out host, user and password apart). Two of them set is refused rather than one guessed.
 */
function databaseUrlOf(config: RawConfig): string | undefined {
  const given = [
    config.DATABASE_URL && { name: 'DATABASE_URL', url: config.DATABASE_URL },
    config.USER_DATABASE_URL && { name: 'USER_DATABASE_URL', url: config.USER_DATABASE_URL },
    config.DB_HOST && { name: 'DB_HOST', url: urlFromParts(config) },
  ].filter((source): source is { name: string; url: string } => Boolean(source));
  if (given.length > 1) fail(given[1]?.name as string, `and ${given[0]?.name} both name the database: set one of them`);
  return given[0]?.url;
}

function urlFromParts(config: RawConfig): string {
  const url = new URL('postgres://localhost');
  url.hostname = config.DB_HOST as string;
  url.port = String(config.DB_PORT);
  url.username = encodeURIComponent(config.DB_USERNAME);
  url.password = encodeURIComponent(config.DB_PASSWORD ?? '');
  url.pathname = `/${encodeURIComponent(config.DB_NAME)}`;
  return url.href;
}

/** Reads `.env` (if present) under the real environment, then validates every setting once. */
export function loadConfig(env: Record<string, string | undefined> = process.env, envFile = '.env'): Config {
  const fromFile = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const merged = { ...fromFile, ...env };
  const raw = {} as Record<string, unknown>;
  for (const [name, spec] of Object.entries(settings)) {
    raw[name] = spec.parse(merged[name] ?? spec.default, name);
  }
  const config = raw as RawConfig;
  if (Boolean(config.BOOTSTRAP_ADMIN_EMAIL) !== Boolean(config.BOOTSTRAP_ADMIN_PASSWORD)) {
    fail('BOOTSTRAP_ADMIN_PASSWORD', 'and BOOTSTRAP_ADMIN_EMAIL must be set together');
  }
  for (const provider of ['GOOGLE', 'MICROSOFT', 'GITHUB', 'FACEBOOK', 'OIDC'] as const) {
    const id = config[`OAUTH_${provider}_CLIENT_ID`];
    if (Boolean(id) !== Boolean(config[`OAUTH_${provider}_CLIENT_SECRET`])) {
      fail(`OAUTH_${provider}_CLIENT_SECRET`, `and OAUTH_${provider}_CLIENT_ID must be set together`);
    }
    if (id && provider === 'MICROSOFT' && !config.OAUTH_MICROSOFT_TENANT)
      fail('OAUTH_MICROSOFT_TENANT', 'is required with OAUTH_MICROSOFT_CLIENT_ID');
    if (id && provider === 'OIDC' && !config.OAUTH_OIDC_ISSUER) fail('OAUTH_OIDC_ISSUER', 'is required with OAUTH_OIDC_CLIENT_ID');
  }
  return {
    ...config,
    PUBLIC_URL: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
    DATABASE_URL: databaseUrlOf(config),
    LOG_QUERIES: config.LOG_QUERIES ?? config.NODE_ENV === 'development',
  };
}

/** `.env.example`: every setting with its meaning and default, generated from the list above. */
export function renderEnvExample(): string {
  const lines = ['# Tessera configuration. Every variable is optional; the value shown is the default.', ''];
  for (const [name, spec] of Object.entries(settings)) {
    lines.push(`# ${spec.doc}`, `${name}=${spec.default}`, '');
  }
  return lines.join('\n');
}

/** Where the generated table sits in docs/configuration.md. */
export const configTableMarkers = ['<!-- settings table: generated by npm run docs:config -->', '<!-- end of settings table -->'] as const;

/** The settings table of docs/configuration.md (`npm run docs:config`), generated from the same list. */
export function renderConfigTable(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = Object.entries(settings).map(
    ([name, spec]) => `| \`${name}\` | ${spec.default === '' ? '—' : `\`${cell(spec.default)}\``} | ${cell(spec.doc)} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows, ''].join('\n');
}
