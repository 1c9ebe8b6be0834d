import { type FormEvent, useEffect, useState } from 'react';
import { ErrorNote } from './parts.js';
import { signIn } from './session.js';

export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [firstAdminNeeded, setFirstAdminNeeded] = useState(false);

  // A fresh server has nobody to sign in as: say how to make the first admin.
  useEffect(() => {
    fetch('/setup')
      .then((response) => (response.ok ? (response.json() as Promise<{ firstAdminNeeded: boolean }>) : undefined))
      .then((status) => setFirstAdminNeeded(status?.firstAdminNeeded ?? false))
      .catch(() => {});
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const failure = await signIn(String(form.get('email')), String(form.get('password')));
    setBusy(false);
    if (failure) setError(failure);
    else onSignedIn();
  }

  return (
    <form className="login" onSubmit={submit}>
      <h1>Tessera console</h1>
      {firstAdminNeeded && (
        <p className="notice" role="status">
          No user yet. Make the first admin on the server: <code>npx tessera create-admin --email you@example.com</code>
        </p>
      )}
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <ErrorNote message={error} />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}
