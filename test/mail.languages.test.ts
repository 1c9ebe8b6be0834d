import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailTranslator, mailCatalogues } from '../src/modules/mail/i18n/index.js';
import { type TemplateName, templates } from '../src/modules/mail/templates.js';
import { languages } from '../src/platform/languages.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

let counter = 0;
const address = (name: string) => `${name}${++counter}-${Date.now()}@example.com`;

// Mails in the recipient's language, read as they arrive over SMTP: the account's `language` preference
// (its base language when we speak it, else English), the page's language for someone signing up there,
// and an invitation's inviter's for a person who has no account yet.
describe('mails in the recipient language', () => {
  let h: Harness;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      preset: 'learning',
      config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  /** A signed-in person whose profile says this language. */
  async function speaking(language: string, options: Parameters<typeof loginAs>[1] = {}) {
    const session = await loginAs(h, options);
    const res = await h.app.inject({ method: 'PUT', url: '/users/profile', headers: session.headers, payload: { profile: { language } } });
    expect(res.statusCode, res.body).toBe(200);
    return session;
  }

  const signUpOnPage = (email: string, acceptLanguage: string) =>
    h.app.inject({
      method: 'POST',
      url: '/sign-up',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', 'accept-language': acceptLanguage },
      payload: new URLSearchParams({
        csrf: 'anonymous',
        firstName: 'Ada',
        lastName: 'Lovelace',
        email,
        password: 'a long enough passphrase',
      }).toString(),
    });

  it('writes the verification mail in the language the person signed up in on the page', async () => {
    const german = address('de');
    const english = address('en');
    expect((await signUpOnPage(german, 'de-DE,de;q=0.9')).statusCode).toBe(200);
    expect((await signUpOnPage(english, 'en-GB')).statusCode).toBe(200);
    const inGerman = await smtp.waitFor(german);
    expect(inGerman.subject).toBe('Bestätigen Sie Ihre E-Mail-Adresse');
    expect(inGerman.link).toMatch(/\/verify-email\?token=/);
    expect((await smtp.waitFor(english)).subject).toBe('Confirm your email address');
  });

  it("writes reset and account-exists mails in the account's language, English when we do not speak it", async () => {
    const austrian = await speaking('de-AT');
    const french = await speaking('fr');
    for (const email of [austrian.user.email, french.user.email])
      expect((await h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email } })).statusCode).toBe(202);
    expect((await smtp.waitFor(austrian.user.email, /Passwort/)).subject).toBe('Passwort zurücksetzen');
    expect((await smtp.waitFor(french.user.email, /password/)).subject).toBe('Reset your password');

    const again = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: austrian.user.email, password: 'another long passphrase' },
    });
    expect(again.statusCode).toBe(202);
    const exists = await smtp.waitFor(austrian.user.email, /registrieren/);
    expect(exists.subject).toBe('Jemand wollte sich mit Ihrer E-Mail-Adresse registrieren');
    expect(exists.raw).toContain('/forgot-password');
  });

  it("writes an invitation to a new person in the inviter's language, and to an account holder in theirs", async () => {
    const root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const organizationId = await createOrganization(h, root, `Acme ${++counter}`);
    const germanAdmin = await speaking('de', { roles: ['ORG_ADMIN'], organizationId });
    const englishAdmin = await speaking('en', { roles: ['ORG_ADMIN'], organizationId });
    const invite = (session: { headers: Record<string, string> }, email: string) =>
      h.app.inject({ method: 'POST', url: `/organizations/${organizationId}/invitations`, headers: session.headers, payload: { email } });

    const fromGerman = address('new');
    expect((await invite(germanAdmin, fromGerman)).statusCode).toBe(201);
    expect((await smtp.waitFor(fromGerman)).subject).toMatch(/ hat Sie zu Acme \d+ eingeladen$/);

    const fromEnglish = address('new');
    expect((await invite(englishAdmin, fromEnglish)).statusCode).toBe(201);
    expect((await smtp.waitFor(fromEnglish)).subject).toMatch(/ invited you to join Acme \d+$/);

    // Someone with an account reads it in their own language, whoever invited them.
    const holder = await speaking('de');
    expect((await invite(englishAdmin, holder.user.email)).statusCode).toBe(201);
    expect((await smtp.waitFor(holder.user.email)).subject).toMatch(/eingeladen$/);
  });
});

describe('mail catalogues', () => {
  const keysOf = (tree: object, prefix = ''): string[] =>
    Object.entries(tree).flatMap(([name, value]) =>
      typeof value === 'string' ? [`${prefix}${name}`] : keysOf(value as object, `${prefix}${name}.`),
    );

  it.each(languages.filter((language) => language !== 'en'))('%s has every English key and no other', (language) => {
    const english = keysOf(mailCatalogues.en);
    const translated = keysOf(mailCatalogues[language]);
    expect(english.filter((key) => !translated.includes(key))).toEqual([]);
    expect(translated.filter((key) => !english.includes(key))).toEqual([]);
  });

  // Every template in every language, reminders included: no key shows through untranslated, no variable stays.
  const samples: { [N in TemplateName]: Parameters<(typeof templates)[N]>[1] } = {
    verifyEmail: { url: 'https://t.example/verify-email?token=x' },
    accountExists: { resetUrl: 'https://t.example/forgot-password' },
    resetPassword: { url: 'https://t.example/reset-password?token=x', minutes: 30 },
    passwordChanged: {},
    mfaFactorAdded: { kind: 'passkey' },
    mfaFactorRemoved: { kind: 'authenticator' },
    mfaFactorsReset: {},
    setPassword: { url: 'https://t.example/accept-invitation?token=x', hours: 72 },
    emailChangeRequested: { url: 'https://t.example/confirm-email-change?token=x', hours: 24 },
    emailChangeNotice: { newEmail: 'new@example.com', url: 'https://t.example/revert-email-change?token=x', days: 7 },
    emailChangedByAdmin: { newEmail: 'new@example.com' },
    emailChangeReverted: { url: 'https://t.example/reset-password?token=x', days: 3 },
    registrationDisputed: { url: 'https://t.example/reset-password?token=x', days: 7 },
    invitation: {
      organization: 'Acme',
      inviter: 'Ada',
      message: 'Welcome',
      url: 'https://t.example/accept-invitation?token=x',
      expiresAt: 'soon',
    },
    invitationReminder: { organization: 'Acme', url: 'https://t.example/accept-invitation?token=x', expiresAt: 'soon' },
    accountDeleted: {},
    webhookDisabled: { url: 'https://hooks.example/in', since: 'yesterday' },
  };
  const translator = createMailTranslator();
  const renderAll = (language: (typeof languages)[number]) => {
    const voice = { t: translator(language), brand: 'Tessera' };
    const render = (name: TemplateName, data: unknown) =>
      (templates[name] as (voice: unknown, data: unknown) => { subject: string; text: string })(voice, data);
    return [
      ...Object.entries(samples).map(([name, data]) => render(name as TemplateName, data)),
      render('invitationReminder', { ...samples.invitationReminder, organization: null }),
      render('verifyEmail', { ...samples.verifyEmail, dispute: { url: 'https://t.example/dispute-registration?token=x', days: 7 } }),
    ];
  };

  it.each(languages)('renders every mail in %s from its catalogue, no key or variable showing through', (language) => {
    for (const mail of renderAll(language)) {
      expect(`${mail.subject}\n${mail.text}`).not.toMatch(/\{\{|\b(common|mfa|[a-z]+[A-Z]\w*)\.[a-z]+\b/);
      expect(mail.text).toContain('— Tessera');
    }
  });

  it('says every mail differently in German than in English', () => {
    const english = renderAll('en');
    renderAll('de').forEach((mail, index) => {
      expect(mail.subject).not.toBe(english[index]?.subject);
      expect(mail.text).not.toBe(english[index]?.text);
    });
  });
});
