/** Every string of Tessera's mails, in English. German (de.ts) has the same keys and variables. */
export const en = {
  common: {
    signature: '— {{brand}}',
  },
  verifyEmail: {
    subject: 'Confirm your email address',
    body: 'Welcome! Confirm that this address is yours to finish setting up your account.',
    action: 'Confirm email address',
    notYou:
      'Did not sign up? Then someone else used your address. This link (valid {{days}} days, even after a confirmation) takes the account from them: it signs everyone out, removes its password, second factors and passkeys, and mails you a link to choose a password of your own.',
    disputeAction: 'I did not sign up',
  },
  accountExists: {
    subject: 'Someone tried to sign up with your email',
    body: 'Somebody (perhaps you) tried to create an account with this email address, which already has one.',
    next: 'If that was you, sign in instead, or reset your password. If not, you can ignore this message.',
    action: 'Reset your password',
  },
  resetPassword: {
    subject: 'Reset your password',
    body: 'Use this link within {{minutes}} minutes to choose a new password.',
    ignore: 'If you did not ask for it, ignore this message.',
    action: 'Choose a new password',
  },
  passwordChanged: {
    subject: 'Your password was changed',
    body: 'The password of your account was just changed and every other session was signed out.',
    warning: 'If this was not you, reset your password at once and contact your administrator.',
  },
  mfa: {
    authenticator: 'authenticator app',
    passkey: 'passkey',
    recoveryCode: 'recovery code',
  },
  mfaFactorAdded: {
    subject: 'A {{kind}} was added to your account',
    body: 'A {{kind}} can now be used as a second factor when you sign in.',
    warning: 'If this was not you, sign in, remove it and change your password at once, or contact your administrator.',
  },
  mfaFactorRemoved: {
    subject: 'A {{kind}} was removed from your account',
    body: 'A {{kind}} can no longer be used to sign in to your account.',
    warning: 'If this was not you, change your password at once and contact your administrator.',
  },
  mfaFactorsReset: {
    subject: 'Your second factors were reset',
    body: 'An administrator removed the second factors (authenticator apps, passkeys, recovery codes) of your account.',
    next: 'You may be asked to set up a new one at your next sign-in. If you did not ask for this, contact your administrator.',
  },
  setPassword: {
    subject: 'Your account is ready',
    body: 'An account was created for you. Choose a password within {{hours}} hours to start.',
    action: 'Choose a password',
  },
  emailChangeRequested: {
    subject: 'Confirm your new email address',
    body: 'Confirm this address within {{hours}} hours to make it the email of your account. Until then your account keeps its current one.',
    ignore: 'If you did not ask for it, ignore this message: nothing changes.',
    action: 'Confirm new address',
  },
  emailChangeNotice: {
    subject: 'Your email address is being changed',
    body: "A change of your account's email address to {{newEmail}} was requested. It takes effect once the new address is confirmed.",
    warning:
      "If this wasn't you, use the link below (valid {{days}} days, even after the change is confirmed): it cancels or undoes the change, signs every session out and sends you a link to choose a new password.",
    action: "This wasn't me",
  },
  emailChangedByAdmin: {
    subject: 'Your email address was changed',
    body: "An administrator changed your account's email address to {{newEmail}}.",
    warning: 'If you did not expect this, contact your administrator.',
  },
  registrationDisputed: {
    subject: 'The account made with your address is yours',
    body: 'Whoever signed up with your address has been signed out, and the password, second factors, passkeys and keys they set are gone.',
    next: 'To use the account, choose a password within {{days}} days. If you do not want it, you need do nothing: nobody can sign in to it.',
    action: 'Choose a password',
  },
  emailChangeReverted: {
    subject: 'Your email address is yours again',
    body: 'The change of your email address was cancelled and every session of your account was signed out.',
    next: 'Choose a new password within {{days}} days to take your account back.',
    action: 'Choose a new password',
  },
  invitation: {
    subject: '{{inviter}} invited you to join {{organization}}',
    body: '{{inviter}} invited you to join {{organization}} on {{brand}}.',
    message: 'Their message: {{message}}',
    validity: 'The invitation is valid until {{expiresAt}}. If you did not expect it, ignore this message.',
    action: 'Accept the invitation',
  },
  invitationReminder: {
    subject: 'Reminder: you are invited to join {{organization}}',
    body: 'You are still invited to join {{organization}} on {{brand}}.',
    validity: 'This link replaces the earlier ones and is valid until {{expiresAt}}.',
    action: 'Accept the invitation',
  },
  setPasswordReminder: {
    subject: 'Reminder: your account waits for its password',
    body: 'An account was made for you and still waits for its password.',
    validity: 'This link replaces the earlier ones and is valid until {{expiresAt}}.',
    action: 'Choose a password',
  },
  accountDeleted: {
    subject: 'Your account was deleted',
    body: 'Your account was deleted at your request and every session of it was signed out.',
    warning: 'If this was not you, contact your administrator at once: an administrator can restore the account.',
  },
  webhookDisabled: {
    subject: 'A webhook endpoint was disabled',
    body: 'Deliveries to {{url}} have failed since {{since}}, so Tessera disabled the endpoint and sends it nothing more.',
    next: 'Fix the receiver, then set the webhook active again and replay the deliveries it missed.',
  },
};

export type MailCatalogue = typeof en;
