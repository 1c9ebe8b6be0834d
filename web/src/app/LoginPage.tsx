import { type FormEvent, useEffect, useState } from 'react';
import { ErrorNote } from '../ui/parts.js';
import { describeProblem, takeEndedMessage, tessera } from './client.js';

/**
 * The console's sign-in, and its second step. A refusal takes the focus: the button, disabled while the form was
 * sent, would otherwise drop it to the page's body, where a keyboard or screen reader user loses the form.
 */
export function LoginPage() {
  const [error, setError] = useState<string>();
  const [ended] = useState(takeEndedMessage);
  const [busy, setBusy] = useState(false);
  const [firstAdminNeeded, setFirstAdminNeeded] = useState(false);
  // A correct password for a person with a second factor: the code comes next, with this token.
  const [mfaToken, setMfaToken] = useState<string>();

  useEffect(() => {
    document.title = 'Sign in · Tessera console';
    // A fresh server has nobody to sign in as: say how to make the first admin.
    tessera.api.GET('/setup').then(({ data }) => setFirstAdminNeeded(data?.firstAdminNeeded ?? false));
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const identifier = String(form.get('identifier')).trim();
    // Cleared while the form is sent, so that a refusal shown again (the same words) takes the focus again.
    setError(undefined);
    setBusy(true);
    const result = await tessera.signIn({
      ...(identifier.includes('@') ? { email: identifier } : { username: identifier }),
      password: String(form.get('password')),
    });
    setBusy(false);
    if (result.ok) return;
    if ('mfaRequired' in result) {
      setError(undefined);
      return setMfaToken(result.mfaToken);
    }
    if ('mfaEnrollmentRequired' in result) return setError('Add a second factor on the account pages (/account) first, then sign in here.');
    setError('problem' in result ? describeProblem(result.problem) : 'Your password is temporary: change it in the account pages first.');
  }

  async function verify(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!mfaToken) return;
    const code = String(new FormData(event.currentTarget).get('code')).replace(/\s/g, '');
    setError(undefined);
    setBusy(true);
    // Six digits are an authenticator's code; anything longer is one of the saved recovery codes.
    const result = await tessera.verifySecondFactor(mfaToken, /^\d{6}$/.test(code) ? 'totp' : 'recovery_code', code);
    setBusy(false);
    if (!result.ok && 'problem' in result) setError(describeProblem(result.problem));
  }

  if (mfaToken) {
    return (
      <main id="main">
        <form className="login" onSubmit={verify}>
          <h1>Second step</h1>
          <label>
            Code from your authenticator app, or a recovery code
            <input name="code" autoComplete="one-time-code" inputMode="numeric" required />
          </label>
          <ErrorNote error={error} takeFocus />
          <button type="submit" className="primary" disabled={busy}>
            Verify
          </button>
        </form>
      </main>
    );
  }

  return (
    <main id="main">
      <form className="login" onSubmit={submit}>
        <h1>Tessera console</h1>
        {ended && (
          <p className="notice" role="status">
            {ended}
          </p>
        )}
        {firstAdminNeeded && (
          <p className="notice" role="status">
            No user yet. Make the first admin on the server: <code>npx tessera create-admin --email you@example.com</code>
          </p>
        )}
        <label>
          Email or username
          <input name="identifier" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ErrorNote error={error} takeFocus />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
