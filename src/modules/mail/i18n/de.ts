import type { MailCatalogue } from './en.js';

/** Every string of Tessera's mails, in German (Sie, as the pages). */
export const de: MailCatalogue = {
  common: {
    signature: '— {{brand}}',
  },
  verifyEmail: {
    subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    body: 'Willkommen! Bestätigen Sie, dass diese Adresse Ihnen gehört, um Ihr Konto fertig einzurichten.',
    action: 'E-Mail-Adresse bestätigen',
    notYou:
      'Sie haben sich nicht registriert? Dann hat jemand anderes Ihre Adresse verwendet. Dieser Link ({{days}} Tage gültig, auch nach einer Bestätigung) nimmt ihm das Konto: Er meldet alle ab, entfernt Passwort, zweite Faktoren und Passkeys und schickt Ihnen einen Link, um ein eigenes Passwort zu wählen.',
    disputeAction: 'Ich habe mich nicht registriert',
  },
  accountExists: {
    subject: 'Jemand wollte sich mit Ihrer E-Mail-Adresse registrieren',
    body: 'Jemand (vielleicht Sie) wollte ein Konto mit dieser E-Mail-Adresse anlegen, zu der es schon eines gibt.',
    next: 'Wenn Sie das waren, melden Sie sich stattdessen an oder setzen Sie Ihr Passwort zurück. Wenn nicht, können Sie diese Nachricht ignorieren.',
    action: 'Passwort zurücksetzen',
  },
  resetPassword: {
    subject: 'Passwort zurücksetzen',
    body: 'Wählen Sie mit diesem Link innerhalb von {{minutes}} Minuten ein neues Passwort.',
    ignore: 'Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht.',
    action: 'Neues Passwort wählen',
  },
  passwordChanged: {
    subject: 'Ihr Passwort wurde geändert',
    body: 'Das Passwort Ihres Kontos wurde soeben geändert, und alle anderen Sitzungen wurden abgemeldet.',
    warning: 'Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.',
  },
  mfa: {
    authenticator: 'Authenticator-App',
    passkey: 'Passkey',
    recoveryCode: 'Wiederherstellungscode',
  },
  mfaFactorAdded: {
    subject: 'Neuer zweiter Faktor in Ihrem Konto: {{kind}}',
    body: 'Folgendes kann jetzt bei der Anmeldung als zweiter Faktor verwendet werden: {{kind}}.',
    warning:
      'Wenn Sie das nicht waren, melden Sie sich an, entfernen Sie ihn und ändern Sie sofort Ihr Passwort, oder wenden Sie sich an Ihre Administration.',
  },
  mfaFactorRemoved: {
    subject: 'Zweiter Faktor aus Ihrem Konto entfernt: {{kind}}',
    body: 'Folgendes kann nicht mehr zur Anmeldung bei Ihrem Konto verwendet werden: {{kind}}.',
    warning: 'Wenn Sie das nicht waren, ändern Sie sofort Ihr Passwort und wenden Sie sich an Ihre Administration.',
  },
  mfaFactorsReset: {
    subject: 'Ihre zweiten Faktoren wurden zurückgesetzt',
    body: 'Eine Administratorin oder ein Administrator hat die zweiten Faktoren (Authenticator-Apps, Passkeys, Wiederherstellungscodes) Ihres Kontos entfernt.',
    next: 'Möglicherweise werden Sie bei der nächsten Anmeldung gebeten, einen neuen einzurichten. Wenn Sie das nicht veranlasst haben, wenden Sie sich an Ihre Administration.',
  },
  setPassword: {
    subject: 'Ihr Konto ist bereit',
    body: 'Für Sie wurde ein Konto angelegt. Wählen Sie innerhalb von {{hours}} Stunden ein Passwort, um loszulegen.',
    action: 'Passwort wählen',
  },
  emailChangeRequested: {
    subject: 'Bestätigen Sie Ihre neue E-Mail-Adresse',
    body: 'Bestätigen Sie diese Adresse innerhalb von {{hours}} Stunden, um sie zur E-Mail-Adresse Ihres Kontos zu machen. Bis dahin behält Ihr Konto die bisherige.',
    ignore: 'Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht: Es ändert sich nichts.',
    action: 'Neue Adresse bestätigen',
  },
  emailChangeNotice: {
    subject: 'Ihre E-Mail-Adresse wird geändert',
    body: 'Eine Änderung der E-Mail-Adresse Ihres Kontos auf {{newEmail}} wurde angefordert. Sie wird wirksam, sobald die neue Adresse bestätigt ist.',
    warning:
      'Wenn Sie das nicht waren, nutzen Sie den Link unten ({{days}} Tage gültig, auch nach der Bestätigung): Er bricht die Änderung ab oder macht sie rückgängig, meldet alle Sitzungen ab und schickt Ihnen einen Link, um ein neues Passwort zu wählen.',
    action: 'Das war ich nicht',
  },
  emailChangedByAdmin: {
    subject: 'Ihre E-Mail-Adresse wurde geändert',
    body: 'Eine Administratorin oder ein Administrator hat die E-Mail-Adresse Ihres Kontos auf {{newEmail}} geändert.',
    warning: 'Wenn Sie das nicht erwartet haben, wenden Sie sich an Ihre Administration.',
  },
  registrationDisputed: {
    subject: 'Das mit Ihrer Adresse angelegte Konto gehört Ihnen',
    body: 'Wer sich mit Ihrer Adresse registriert hat, wurde abgemeldet; das Passwort, die zweiten Faktoren, Passkeys und Schlüssel, die er angelegt hat, sind entfernt.',
    next: 'Um das Konto zu nutzen, wählen Sie innerhalb von {{days}} Tagen ein Passwort. Wenn Sie es nicht möchten, müssen Sie nichts tun: Niemand kann sich damit anmelden.',
    action: 'Passwort wählen',
  },
  emailChangeReverted: {
    subject: 'Ihre E-Mail-Adresse gehört wieder Ihnen',
    body: 'Die Änderung Ihrer E-Mail-Adresse wurde abgebrochen, und alle Sitzungen Ihres Kontos wurden abgemeldet.',
    next: 'Wählen Sie innerhalb von {{days}} Tagen ein neues Passwort, um Ihr Konto zurückzuholen.',
    action: 'Neues Passwort wählen',
  },
  invitation: {
    subject: '{{inviter}} hat Sie zu {{organization}} eingeladen',
    body: '{{inviter}} hat Sie eingeladen, {{organization}} auf {{brand}} beizutreten.',
    message: 'Die Nachricht dazu: {{message}}',
    validity: 'Die Einladung gilt bis {{expiresAt}}. Wenn Sie sie nicht erwartet haben, ignorieren Sie diese Nachricht.',
    action: 'Einladung annehmen',
  },
  invitationReminder: {
    subject: 'Erinnerung: Sie sind zu {{organization}} eingeladen',
    body: 'Sie sind weiterhin eingeladen, {{organization}} auf {{brand}} beizutreten.',
    validity: 'Dieser Link ersetzt die früheren und gilt bis {{expiresAt}}.',
    action: 'Einladung annehmen',
  },
  setPasswordReminder: {
    subject: 'Erinnerung: Ihr Konto wartet auf sein Passwort',
    body: 'Für Sie wurde ein Konto angelegt, das noch auf sein Passwort wartet.',
    validity: 'Dieser Link ersetzt die früheren und gilt bis {{expiresAt}}.',
    action: 'Passwort wählen',
  },
  accountDeleted: {
    subject: 'Ihr Konto wurde gelöscht',
    body: 'Ihr Konto wurde auf Ihren Wunsch gelöscht, und alle seine Sitzungen wurden abgemeldet.',
    warning: 'Wenn Sie das nicht waren, wenden Sie sich sofort an Ihre Administration: Sie kann das Konto wiederherstellen.',
  },
  webhookDisabled: {
    subject: 'Ein Webhook-Endpunkt wurde deaktiviert',
    body: 'Zustellungen an {{url}} schlagen seit {{since}} fehl, daher hat Tessera den Endpunkt deaktiviert und schickt ihm nichts mehr.',
    next: 'Beheben Sie den Fehler beim Empfänger, aktivieren Sie den Webhook wieder und wiederholen Sie die verpassten Zustellungen.',
  },
};
