import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { driver } from './helpers/databases.js';
import { applicationAdmin, registerApplication } from './helpers/oidc.js';
import { type PagesRig, startPages } from './helpers/pages.js';
import { freePort } from './helpers/ports.js';

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
const hasApache = existsSync(APACHE) && existsSync(join(MODULES, 'mod_auth_openidc.so'));
const PASSWORD = 'an apache passphrase';

/** Apache with mod_auth_openidc in a directory of its own on a loopback port (never the system service). */
function apacheConfig(dir: string, port: number, tessera: string, client: { id: string; secret: string }) {
  const load = (name: string, file: string) => `LoadModule ${name} ${MODULES}/${file}`;
  return [
    load('mpm_event_module', 'mod_mpm_event.so'),
    load('authn_core_module', 'mod_authn_core.so'),
    load('authz_core_module', 'mod_authz_core.so'),
    load('authz_user_module', 'mod_authz_user.so'),
    load('auth_openidc_module', 'mod_auth_openidc.so'),
    `ServerRoot ${dir}`,
    `DefaultRuntimeDir ${dir}`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn auth_openidc:info',
    `Listen 127.0.0.1:${port}`,
    'ServerName 127.0.0.1',
    'User www-data',
    'Group www-data',
    `DocumentRoot ${dir}/htdocs`,
    `<Directory ${dir}/htdocs>`,
    '  Require all granted',
    '</Directory>',
    `OIDCProviderMetadataURL ${tessera}/.well-known/openid-configuration`,
    `OIDCClientID ${client.id}`,
    `OIDCClientSecret ${client.secret}`,
    `OIDCRedirectURI http://127.0.0.1:${port}/protected/redirect_uri`,
    'OIDCCryptoPassphrase apache-test-passphrase-of-some-length',
    'OIDCScope "openid email profile"',
    'OIDCPKCEMethod S256',
    'OIDCRemoteUserClaim email',
    '<Location /protected>',
    '  AuthType openid-connect',
    '  Require valid-user',
    '</Location>',
  ].join('\n');
}

// A second, independent relying party from Debian's packages: Apache's mod_auth_openidc protects a static
// page, and a person signs in to it in Chromium through Tessera's hosted sign-in page.
describe.skipIf(!hasChromium || !hasApache)(`Apache mod_auth_openidc as a relying party (${driver})`, () => {
  let rig: PagesRig;
  let apache: ChildProcess | undefined;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    rig = await startPages();
    port = await freePort();
    const admin = await applicationAdmin(rig.h);
    const app = await registerApplication(rig.h, admin, {
      name: 'Intranet',
      kind: 'web',
      redirectUris: [`http://127.0.0.1:${port}/protected/redirect_uri`],
      firstParty: true,
    });
    dir = mkdtempSync(join(tmpdir(), 'tessera-apache-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'htdocs', 'protected'), { recursive: true });
    writeFileSync(join(dir, 'htdocs', 'protected', 'index.html'), '<!doctype html><title>Intranet</title><h1>Welcome to the intranet</h1>');
    writeFileSync(
      join(dir, 'httpd.conf'),
      apacheConfig(dir, port, rig.base, { id: app.application.clientId, secret: app.clientSecret as string }),
    );
    apache = spawn(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: 'inherit' });
    for (let attempt = 0; ; attempt++) {
      const up = await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (attempt > 100 || apache.exitCode !== null)
        throw new Error(`apache did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);

  afterAll(async () => {
    if (apache && apache.exitCode === null) {
      const exited = new Promise((resolve) => apache?.once('exit', resolve));
      apache.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await rig?.close();
  });

  it('signs a person in to a page Apache protects, through the hosted sign-in page', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/protected/index.html`);
    await page.waitForURL((target) => target.pathname === '/sign-in');
    await page.getByLabel('Email or username').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Welcome to the intranet' }).waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).port).toBe(String(port));
    const log = readFileSync(join(dir, 'error.log'), 'utf8');
    expect(log).not.toMatch(/\] \[auth_openidc:error\]/);
    await context.close();
  }, 90_000);
});
