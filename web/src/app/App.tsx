import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useState, useSyncExternalStore } from 'react';
import { ErrorNote, Loading, Page } from '../ui/parts.js';
import { adminPermissions, areas } from './areas.js';
import { api, describeProblem, must, queryClient, tessera } from './client.js';
import { LoginPage } from './LoginPage.js';
import { HeldPermissionsProvider, holdsAny } from './permissions.js';
import { useHeadingFocusOnPageChange } from './route-focus.js';

/** The page is kept in the URL hash (`#/users/<id>`), so a reload or a shared link opens the same page. */
function readRoute() {
  const [path = '', param] = window.location.hash.replace(/^#\/?/, '').split('/');
  return { path, param };
}

const useSession = () => useSyncExternalStore(tessera.subscribe, () => `${tessera.signedIn}:${tessera.impersonation?.sessionId ?? ''}`);

export function App() {
  const [resumed, setResumed] = useState(false);
  const [route, setRoute] = useState(readRoute);
  useSession();

  useEffect(() => {
    tessera.resume().finally(() => setResumed(true));
    const onHash = () => setRoute(readRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (!resumed) return <Loading />;
  if (!tessera.signedIn) return <LoginPage />;
  return <Shell path={route.path} param={route.param} />;
}

function Shell({ path, param }: { path: string; param?: string }) {
  const me = useQuery({ queryKey: ['me', tessera.impersonation?.sessionId ?? 'self'], queryFn: fetchMe });
  const held: ReadonlySet<string> = new Set(me.data?.permissions ?? []);
  const visible = areas.filter((area) => holdsAny(held, area.permissions));
  const area = visible.find((candidate) => candidate.path === path) ?? visible[0];
  const isAdmin = holdsAny(adminPermissions, held);
  useHeadingFocusOnPageChange(`${path}/${param ?? ''}`);

  return (
    <HeldPermissionsProvider value={held}>
      <div className="shell">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <ImpersonationBanner />
        <header>
          <strong>Tessera</strong>
          <nav aria-label="Console">
            {visible
              .filter((candidate) => candidate.order !== undefined)
              .map((candidate) => (
                <a key={candidate.path} href={`#/${candidate.path}`} aria-current={candidate === area ? 'page' : undefined}>
                  {candidate.label}
                </a>
              ))}
          </nav>
          {me.data && <OrganizationSwitcher me={me.data} />}
          <span className="who">{me.data?.email}</span>
          <button
            type="button"
            onClick={async () => {
              await tessera.signOut();
              queryClient.clear();
            }}
          >
            Sign out
          </button>
        </header>
        <main id="main">
          <ErrorNote error={me.error} />
          {me.isPending && <Loading />}
          {me.data && !isAdmin && (
            <Page title="For administrators">
              <p>The Tessera console is for administrators. Your account holds no administrative permission.</p>
            </Page>
          )}
          {me.data && isAdmin && area && (
            <Suspense fallback={<Loading />}>
              <area.page param={param} />
            </Suspense>
          )}
        </main>
      </div>
    </HeldPermissionsProvider>
  );
}

type Me = Awaited<ReturnType<typeof fetchMe>>;
const fetchMe = () => must(api.GET('/auth/me'));

/**
 * For a person in several organizations: the one the console acts in, and a switch to another of their
 * active memberships (a new token pair; everything shown is read again for the new organization).
 */
function OrganizationSwitcher({ me }: { me: Me }) {
  const [problem, setProblem] = useState<string>();
  const choices = me.organizations.filter((organization) => organization.status === 'ACTIVE');
  if (choices.length < 2 || tessera.impersonation) return null;
  return (
    <span className="org-switcher">
      <label>
        Organization{' '}
        <select
          autoComplete="off"
          value={me.activeOrganization?.id ?? ''}
          onChange={async (event) => {
            const switched = await tessera.switchOrganization(event.target.value);
            setProblem(switched.ok ? undefined : describeProblem(switched.problem));
            // Everything shown was read as the previous organization: drop it and read it again.
            if (switched.ok) await queryClient.resetQueries();
          }}
        >
          {choices.map((organization) => (
            <option key={organization.id} value={organization.id}>
              {organization.name}
            </option>
          ))}
        </select>
      </label>
      {problem && <span role="alert">{problem}</span>}
    </span>
  );
}

function ImpersonationBanner() {
  const acting = tessera.impersonation;
  if (!acting) return null;
  return (
    <div className="banner" role="status">
      Acting as <strong>{acting.user.email}</strong> until {new Date(acting.expiresAt).toLocaleTimeString()}: every request is audited.
      <button
        type="button"
        onClick={async () => {
          await tessera.stopImpersonating();
          // Read everything again as the administrator: the queries on screen refetch (clear() would strand them).
          await queryClient.resetQueries();
        }}
      >
        Stop impersonating
      </button>
    </div>
  );
}
