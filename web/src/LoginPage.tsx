import { type FormEvent, useState } from 'react';
import { ErrorNote } from './parts.js';
import { signIn } from './session.js';

export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

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
