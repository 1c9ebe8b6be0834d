import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, must } from '../../app/client.js';
import { ErrorNote, Loading, Page } from '../../ui/parts.js';

/** Seed 001's figures as charts, from GET /statistics/overview. */
export default function OverviewPage() {
  const stats = useQuery({ queryKey: ['overview'], queryFn: () => must(api.GET('/statistics/overview')) });
  const figures = stats.data;
  const daily = figures?.users.signUpsPerDay.map((entry, index) => ({
    day: entry.day.slice(5),
    'Sign-ups': entry.count,
    'Sign-ins': figures.signIns.perDay[index]?.count ?? 0,
    'Failed sign-ins': figures.failedSignIns.perDay[index]?.count ?? 0,
  }));
  return (
    <Page title="Overview">
      <ErrorNote error={stats.error} />
      {stats.isPending && <Loading />}
      {figures && daily && (
        <>
          <dl className="figures">
            <Figure label="Total users" value={figures.users.total} />
            <Figure label="Active users" value={figures.users.active} />
            <Figure label={`Signed in (${figures.days} days)`} value={figures.users.signedInInWindow} />
            <Figure label="Failed sign-ins (30 days)" value={figures.failedSignIns.total} />
            <Figure label="Accounts with failed sign-ins (30 days)" value={figures.failedSignIns.accounts} />
            <Figure label="Accounts under sign-in waits (last hour)" value={figures.failedSignIns.throttledAccounts} />
            <Figure label="Suspended accounts" value={figures.users.byStatus.SUSPENDED} />
            <Figure label="Invitations pending" value={figures.invitations.pending} />
            <Figure label="Invitations accepted" value={figures.invitations.accepted} />
          </dl>
          <h2>Sign-ups and sign-ins per day</h2>
          <figure className="chart" aria-label="Sign-ups, sign-ins and failed sign-ins per day for 30 days">
            <ResponsiveContainer width="100%" height={260}>
              <LineChart data={daily}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Line type="monotone" dataKey="Sign-ups" stroke="#2563eb" />
                <Line type="monotone" dataKey="Sign-ins" stroke="#059669" />
                <Line type="monotone" dataKey="Failed sign-ins" stroke="#dc2626" />
              </LineChart>
            </ResponsiveContainer>
          </figure>
          <div className="two">
            <div>
              <h2>Users by status</h2>
              <figure className="chart" aria-label="Users by status">
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={Object.entries(figures.users.byStatus).map(([status, users]) => ({ status, users }))}>
                    <XAxis dataKey="status" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="users" fill="#2563eb" />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
            </div>
            <div>
              <h2>Users by role</h2>
              <ul className="list" aria-label="Users by role">
                {figures.roles.map((entry) => (
                  <li key={entry.role}>
                    {entry.role}: <strong>{entry.users}</strong>
                  </li>
                ))}
              </ul>
            </div>
          </div>
          <p className="muted">Figures as of {new Date(figures.generatedAt).toLocaleTimeString()} (kept 30 seconds).</p>
        </>
      )}
    </Page>
  );
}

const Figure = ({ label, value }: { label: string; value: number }) => (
  <div>
    <dt>{label}</dt>
    <dd>{value}</dd>
  </div>
);
