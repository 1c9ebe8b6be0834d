import { useEffect, useState } from 'react';
import { AuditPage } from './AuditPage.js';
import { LoginPage } from './LoginPage.js';
import { resume, signOut } from './session.js';
import { UserPage } from './UserPage.js';
import { UsersPage } from './UsersPage.js';

export type View = { page: 'users' } | { page: 'user'; id: string } | { page: 'audit' };

/** Views are kept in the URL hash so a reload or a shared link opens the same page. */
function readView(): View {
  const [page, id] = window.location.hash.replace(/^#\/?/, '').split('/');
  if (page === 'users' && id) return { page: 'user', id };
  if (page === 'audit') return { page: 'audit' };
  return { page: 'users' };
}

export function go(view: View) {
  window.location.hash = view.page === 'user' ? `/users/${view.id}` : `/${view.page}`;
}

export function App() {
  const [signedIn, setSignedIn] = useState<boolean | undefined>(undefined);
  const [view, setView] = useState<View>(readView);

  useEffect(() => {
    resume().then(setSignedIn);
    const onHash = () => setView(readView());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (signedIn === undefined) return <p className="muted">Loading…</p>;
  if (!signedIn) return <LoginPage onSignedIn={() => setSignedIn(true)} />;

  return (
    <div className="shell">
      <header>
        <strong>Tessera</strong>
        <nav>
          <a href="#/users">Users</a>
          <a href="#/audit">Audit log</a>
        </nav>
        <button type="button" onClick={() => signOut().then(() => setSignedIn(false))}>
          Sign out
        </button>
      </header>
      <main>
        {view.page === 'users' && <UsersPage />}
        {view.page === 'user' && <UserPage id={view.id} />}
        {view.page === 'audit' && <AuditPage />}
      </main>
    </div>
  );
}
