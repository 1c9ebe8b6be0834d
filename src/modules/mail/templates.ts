/** Every mail Tessera sends: a subject, a plain-text body and an HTML body from one set of data. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

function compose(subject: string, paragraphs: string[], action?: { label: string; url: string }): MailContent {
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), '— Tessera'].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">',
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    action ? `<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>` : '',
    '<p style="color:#666">— Tessera</p></body></html>',
  ].join('');
  return { subject, text, html };
}

/** Names people chose go into subjects: one line each, whatever they typed. */
const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();

export const templates = {
  verifyEmail: ({ url }: { url: string }) =>
    compose('Confirm your email address', ['Welcome! Confirm that this address is yours to finish setting up your account.'], {
      label: 'Confirm email address',
      url,
    }),
  accountExists: ({ resetUrl }: { resetUrl: string }) =>
    compose(
      'Someone tried to sign up with your email',
      [
        'Somebody (perhaps you) tried to create an account with this email address, which already has one.',
        'If that was you, sign in instead, or reset your password. If not, you can ignore this message.',
      ],
      { label: 'Reset your password', url: resetUrl },
    ),
  resetPassword: ({ url, minutes }: { url: string; minutes: number }) =>
    compose(
      'Reset your password',
      [`Use this link within ${minutes} minutes to choose a new password.`, 'If you did not ask for it, ignore this message.'],
      {
        label: 'Choose a new password',
        url,
      },
    ),
  passwordChanged: (_data: Record<string, never>) =>
    compose('Your password was changed', [
      'The password of your account was just changed and every other session was signed out.',
      'If this was not you, reset your password at once and contact your administrator.',
    ]),
  mfaFactorAdded: ({ kind }: { kind: string }) =>
    compose(`A ${kind} was added to your account`, [
      `A ${kind} can now be used as a second factor when you sign in.`,
      'If this was not you, sign in, remove it and change your password at once, or contact your administrator.',
    ]),
  mfaFactorRemoved: ({ kind }: { kind: string }) =>
    compose(`A ${kind} was removed from your account`, [
      `A ${kind} can no longer be used to sign in to your account.`,
      'If this was not you, change your password at once and contact your administrator.',
    ]),
  mfaFactorsReset: (_data: Record<string, never>) =>
    compose('Your second factors were reset', [
      'An administrator removed the second factors (authenticator apps, passkeys, recovery codes) of your account.',
      'You may be asked to set up a new one at your next sign-in. If you did not ask for this, contact your administrator.',
    ]),
  setPassword: ({ url, hours }: { url: string; hours: number }) =>
    compose('Your account is ready', [`An account was created for you. Choose a password within ${hours} hours to start.`], {
      label: 'Choose a password',
      url,
    }),
  emailChangeRequested: ({ url, hours }: { url: string; hours: number }) =>
    compose(
      'Confirm your new email address',
      [
        `Confirm this address within ${hours} hours to make it the email of your account. Until then your account keeps its current one.`,
        'If you did not ask for it, ignore this message: nothing changes.',
      ],
      { label: 'Confirm new address', url },
    ),
  emailChangeNotice: ({ newEmail, url, days }: { newEmail: string; url: string; days: number }) =>
    compose(
      'Your email address is being changed',
      [
        `A change of your account's email address to ${newEmail} was requested. It takes effect once the new address is confirmed.`,
        `If this wasn't you, use the link below (valid ${days} days, even after the change is confirmed): it cancels or undoes the change, signs every session out and sends you a link to choose a new password.`,
      ],
      { label: "This wasn't me", url },
    ),
  emailChangedByAdmin: ({ newEmail }: { newEmail: string }) =>
    compose('Your email address was changed', [
      `An administrator changed your account's email address to ${newEmail}.`,
      'If you did not expect this, contact your administrator.',
    ]),
  emailChangeReverted: ({ url, days }: { url: string; days: number }) =>
    compose(
      'Your email address is yours again',
      [
        'The change of your email address was cancelled and every session of your account was signed out.',
        `Choose a new password within ${days} days to take your account back.`,
      ],
      { label: 'Choose a new password', url },
    ),
  invitation: ({ organization, inviter, message, url, expiresAt }: InvitationMail & { inviter: string; message: string | null }) =>
    compose(
      `${oneLine(inviter)} invited you to join ${oneLine(organization)}`,
      [
        `${oneLine(inviter)} invited you to join ${oneLine(organization)} on Tessera.`,
        ...(message ? [`Their message: ${message}`] : []),
        `The invitation is valid until ${expiresAt}. If you did not expect it, ignore this message.`,
      ],
      { label: 'Accept the invitation', url },
    ),
  invitationReminder: ({ organization, url, expiresAt }: Omit<InvitationMail, 'organization'> & { organization: string | null }) =>
    compose(
      organization ? `Reminder: you are invited to join ${oneLine(organization)}` : 'Reminder: your account waits for its password',
      [
        organization
          ? `You are still invited to join ${oneLine(organization)} on Tessera.`
          : 'An account was made for you and still waits for its password.',
        `This link replaces the earlier ones and is valid until ${expiresAt}.`,
      ],
      { label: organization ? 'Accept the invitation' : 'Choose a password', url },
    ),
  webhookDisabled: ({ url, since }: { url: string; since: string }) =>
    compose('A webhook endpoint was disabled', [
      `Deliveries to ${url} have failed since ${since}, so Tessera disabled the endpoint and sends it nothing more.`,
      'Fix the receiver, then set the webhook active again and replay the deliveries it missed.',
    ]),
} satisfies Record<string, (data: never) => MailContent>;

interface InvitationMail {
  organization: string;
  url: string;
  /** When the link stops working, as the mail shows it. */
  expiresAt: string;
}

export type TemplateName = keyof typeof templates;
export type TemplateData<N extends TemplateName> = Parameters<(typeof templates)[N]>[0];

export const renderMail = <N extends TemplateName>(template: N, data: TemplateData<N>): MailContent =>
  (templates[template] as (data: TemplateData<N>) => MailContent)(data);
