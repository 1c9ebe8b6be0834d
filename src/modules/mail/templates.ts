import type { MailT } from './i18n/index.js';

/** Every mail Tessera sends: a subject, a plain-text body and an HTML body from one set of data, in the recipient's language. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

/** What a template needs besides its data: the recipient's language and the brand it signs with. */
export interface MailVoice {
  t: MailT;
  brand: string;
}

type Action = { label: string; url: string };

/** Paragraphs, then each action as its own paragraph: a link in HTML, "label: url" in plain text. */
function compose(voice: MailVoice, subject: string, blocks: (string | Action)[]): MailContent {
  const signature = voice.t('common.signature', { brand: voice.brand });
  const text = [...blocks.map((block) => (typeof block === 'string' ? block : `${block.label}: ${block.url}`)), signature].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">',
    ...blocks.map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<p><a href="${escapeHtml(block.url)}">${escapeHtml(block.label)}</a></p>`,
    ),
    `<p style="color:#666">${escapeHtml(signature)}</p></body></html>`,
  ].join('');
  return { subject, text, html };
}

/** Names people chose go into subjects: one line each, whatever they typed. */
const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();

/** A mail of the catalogue: its subject, the paragraphs named (in order), and its button if it has one. */
function fromCatalogue(voice: MailVoice, name: string, paragraphs: string[], values: Record<string, unknown>, url?: string) {
  const { t } = voice;
  const all = { brand: voice.brand, ...values };
  const blocks: (string | Action)[] = paragraphs.map((paragraph) => t(`${name}.${paragraph}`, all));
  if (url) blocks.push({ label: t(`${name}.action`, all), url });
  return compose(voice, t(`${name}.subject`, all), blocks);
}

/**
 * A sign-up's confirmation also carries "I did not sign up" (`dispute`): whoever used this address without owning
 * it loses the account to the mailbox's owner. A confirmation asked for again, or for a changed address, has none.
 */
function verifyEmail(voice: MailVoice, { url, dispute }: { url: string; dispute?: { url: string; days: number } }) {
  const mail = fromCatalogue(voice, 'verifyEmail', ['body'], {}, url);
  if (!dispute) return mail;
  const { t } = voice;
  return compose(voice, mail.subject, [
    t('verifyEmail.body'),
    { label: t('verifyEmail.action'), url },
    t('verifyEmail.notYou', { days: dispute.days }),
    { label: t('verifyEmail.disputeAction'), url: dispute.url },
  ]);
}

type FactorKind = 'authenticator' | 'passkey' | 'recoveryCode';

export const templates = {
  verifyEmail,
  accountExists: (voice: MailVoice, { resetUrl }: { resetUrl: string }) =>
    fromCatalogue(voice, 'accountExists', ['body', 'next'], {}, resetUrl),
  resetPassword: (voice: MailVoice, { url, minutes }: { url: string; minutes: number }) =>
    fromCatalogue(voice, 'resetPassword', ['body', 'ignore'], { minutes }, url),
  passwordChanged: (voice: MailVoice, _data: Record<string, never>) => fromCatalogue(voice, 'passwordChanged', ['body', 'warning'], {}),
  mfaFactorAdded: (voice: MailVoice, { kind }: { kind: FactorKind }) =>
    fromCatalogue(voice, 'mfaFactorAdded', ['body', 'warning'], { kind: voice.t(`mfa.${kind}`) }),
  mfaFactorRemoved: (voice: MailVoice, { kind }: { kind: FactorKind }) =>
    fromCatalogue(voice, 'mfaFactorRemoved', ['body', 'warning'], { kind: voice.t(`mfa.${kind}`) }),
  mfaFactorsReset: (voice: MailVoice, _data: Record<string, never>) => fromCatalogue(voice, 'mfaFactorsReset', ['body', 'next'], {}),
  setPassword: (voice: MailVoice, { url, hours }: { url: string; hours: number }) =>
    fromCatalogue(voice, 'setPassword', ['body'], { hours }, url),
  emailChangeRequested: (voice: MailVoice, { url, hours }: { url: string; hours: number }) =>
    fromCatalogue(voice, 'emailChangeRequested', ['body', 'ignore'], { hours }, url),
  emailChangeNotice: (voice: MailVoice, { newEmail, url, days }: { newEmail: string; url: string; days: number }) =>
    fromCatalogue(voice, 'emailChangeNotice', ['body', 'warning'], { newEmail, days }, url),
  emailChangedByAdmin: (voice: MailVoice, { newEmail }: { newEmail: string }) =>
    fromCatalogue(voice, 'emailChangedByAdmin', ['body', 'warning'], { newEmail }),
  registrationDisputed: (voice: MailVoice, { url, days }: { url: string; days: number }) =>
    fromCatalogue(voice, 'registrationDisputed', ['body', 'next'], { days }, url),
  emailChangeReverted: (voice: MailVoice, { url, days }: { url: string; days: number }) =>
    fromCatalogue(voice, 'emailChangeReverted', ['body', 'next'], { days }, url),
  invitation: (
    voice: MailVoice,
    { organization, inviter, message, url, expiresAt }: InvitationMail & { inviter: string; message: string | null },
  ) =>
    fromCatalogue(
      voice,
      'invitation',
      ['body', ...(message ? ['message'] : []), 'validity'],
      { organization: oneLine(organization), inviter: oneLine(inviter), message, expiresAt },
      url,
    ),
  invitationReminder: (
    voice: MailVoice,
    { organization, url, expiresAt }: Omit<InvitationMail, 'organization'> & { organization: string | null },
  ) =>
    organization
      ? fromCatalogue(voice, 'invitationReminder', ['body', 'validity'], { organization: oneLine(organization), expiresAt }, url)
      : fromCatalogue(voice, 'setPasswordReminder', ['body', 'validity'], { expiresAt }, url),
  accountDeleted: (voice: MailVoice, _data: Record<string, never>) => fromCatalogue(voice, 'accountDeleted', ['body', 'warning'], {}),
  webhookDisabled: (voice: MailVoice, { url, since }: { url: string; since: string }) =>
    fromCatalogue(voice, 'webhookDisabled', ['body', 'next'], { url, since }),
} satisfies Record<string, (voice: MailVoice, data: never) => MailContent>;

interface InvitationMail {
  organization: string;
  url: string;
  /** When the link stops working, as the mail shows it. */
  expiresAt: string;
}

export type TemplateName = keyof typeof templates;
export type TemplateData<N extends TemplateName> = Parameters<(typeof templates)[N]>[1];

export const renderMail = <N extends TemplateName>(template: N, voice: MailVoice, data: TemplateData<N>): MailContent =>
  (templates[template] as (voice: MailVoice, data: TemplateData<N>) => MailContent)(voice, data);
