import type { Catalogue } from './en.js';

/** Der deutsche Katalog der gehosteten Seiten: dieselben Schlüssel wie en.ts. */
export const de: Catalogue = {
  common: {
    skipToContent: 'Zum Inhalt springen',
    language: 'Sprache',
    support: 'Hilfe nötig? Schreiben Sie an {{email}}',
    errorSummary: 'Bitte korrigieren Sie Folgendes:',
    back: 'Zurück',
    email: 'E-Mail',
    emailOrUsername: 'E-Mail oder Benutzername',
    password: 'Passwort',
    newPassword: 'Neues Passwort',
    passwordHint: 'Mindestens {{min}} Zeichen. Am besten ein langer Satz, den Sie sich merken können.',
    required: 'Dieses Feld ist erforderlich.',
    forbidden: 'Dieses Formular wurde von einer anderen Website gesendet, daher wurde nichts geändert.',
    forbiddenTitle: 'Anfrage abgelehnt',
    expiredForm: 'Dieses Formular ist abgelaufen. Bitte versuchen Sie es erneut.',
    somethingWrong: 'Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut.',
  },
  signIn: {
    title: 'Anmelden',
    heading: 'Bei {{brand}} anmelden',
    submit: 'Anmelden',
    invalid: 'E-Mail, Benutzername oder Passwort stimmen nicht.',
    throttled: 'Zu viele Versuche. Bitte warten Sie {{seconds}} Sekunden.',
    forgot: 'Passwort vergessen?',
    noAccount: 'Noch kein Konto?',
    signUp: 'Konto erstellen',
    signedOut: 'Sie sind abgemeldet.',
  },
  signOut: {
    title: 'Abmelden',
    heading: 'Von {{brand}} abmelden?',
    body: 'Sie sind als {{email}} angemeldet.',
    submit: 'Abmelden',
  },
  changePassword: {
    title: 'Neues Passwort festlegen',
    heading: 'Neues Passwort festlegen',
    body: 'Ihr Passwort wurde von einer Administratorin oder einem Administrator gesetzt und ist vorläufig. Wählen Sie ein eigenes, um fortzufahren.',
    submit: 'Passwort festlegen',
    expired: 'Dieser Schritt ist abgelaufen. Bitte melden Sie sich erneut an.',
    unchanged: 'Das neue Passwort muss sich vom vorläufigen unterscheiden.',
  },
  account: {
    title: 'Ihr Konto',
    heading: 'Ihr Konto',
    signedInAs: 'Angemeldet als {{email}}.',
    signOut: 'Abmelden',
  },
  errors: {
    notFoundTitle: 'Seite nicht gefunden',
  },
};
