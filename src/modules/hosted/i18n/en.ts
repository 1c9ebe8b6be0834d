/** The hosted pages' English catalogue: every string a page shows. German (de.ts) has the same keys. */
export const en = {
  common: {
    skipToContent: 'Skip to content',
    language: 'Language',
    support: 'Need help? Write to {{email}}',
    errorSummary: 'Please correct the following:',
    back: 'Back',
    email: 'Email',
    emailOrUsername: 'Email or username',
    password: 'Password',
    newPassword: 'New password',
    passwordHint: 'At least {{min}} characters. A long phrase you remember is best.',
    required: 'This field is required.',
    forbidden: 'This form was sent from another site, so nothing was changed.',
    forbiddenTitle: 'Request refused',
    expiredForm: 'This form has expired. Please try again.',
    somethingWrong: 'Something went wrong on our side. Please try again.',
  },
  signIn: {
    title: 'Sign in',
    heading: 'Sign in to {{brand}}',
    submit: 'Sign in',
    invalid: 'The email, username or password is not right.',
    throttled: 'Too many attempts. Try again in {{seconds}} seconds.',
    forgot: 'Forgot your password?',
    noAccount: 'No account yet?',
    signUp: 'Create one',
    signedOut: 'You are signed out.',
  },
  signOut: {
    title: 'Sign out',
    heading: 'Sign out of {{brand}}?',
    body: 'You are signed in as {{email}}.',
    submit: 'Sign out',
  },
  changePassword: {
    title: 'Set a new password',
    heading: 'Set a new password',
    body: 'Your password was set by an administrator and is temporary. Choose your own to continue.',
    submit: 'Set password',
    expired: 'This step has expired. Please sign in again.',
    unchanged: 'The new password must differ from the temporary one.',
  },
  account: {
    title: 'Your account',
    heading: 'Your account',
    signedInAs: 'Signed in as {{email}}.',
    signOut: 'Sign out',
  },
  errors: {
    notFoundTitle: 'Page not found',
  },
};

export type Catalogue = typeof en;
