import { useQuery, useQueryClient } from '@tanstack/react-query';
import { deviceLabel } from '../../../../src/platform/device-label.js';
import { api, must } from '../../app/client.js';
import { Allowed } from '../../app/permissions.js';
import { ConfirmDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { counted, Empty, ErrorNote, LiveStatus, when } from '../../ui/parts.js';

const on = (browser: string, system: string) => `${browser} on ${system}`;

/** A user's live sessions: end one (a lost or shared device) or all of them. */
export function UserSessions({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: ['sessions', id],
    queryFn: () => must(api.GET('/users/{id}/sessions', { params: { path: { id } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['sessions', id] });
  const rows = sessions.data?.data ?? [];
  return (
    <div className="stack">
      <ErrorNote error={sessions.error} />
      {sessions.data && <LiveStatus>{counted(rows.length, 'live session', 'live sessions')}</LiveStatus>}
      {rows.length ? (
        <ul className="list" aria-label="Live sessions">
          {rows.map((session) => {
            const device = `${deviceLabel(session.userAgent, on) ?? 'Unknown browser'} · ${session.ipAddress ?? '—'}`;
            return (
              <li key={session.id} className="row-with-action">
                <span title={session.userAgent ?? undefined}>
                  {device} · started {when(session.createdAt)} · last used {when(session.lastUsedAt)}
                  {session.impersonatedBy && <strong> · support session ({session.impersonatedBy.reason})</strong>}
                </span>
                <Allowed permission="sessions:manage">
                  <ConfirmDialog
                    trigger={
                      <TriggerButton tone="danger" aria-label={`End session ${device}, last used ${when(session.lastUsedAt)}`}>
                        End
                      </TriggerButton>
                    }
                    title="End this session?"
                    description={`${device}: its refresh token stops working and its access tokens are refused from the next request. The user's other sessions go on.`}
                    confirmLabel="End session"
                    danger
                    onConfirm={async () => {
                      await must(api.DELETE('/users/{id}/sessions/{sessionId}', { params: { path: { id, sessionId: session.id } } }));
                      await refresh();
                    }}
                  />
                </Allowed>
              </li>
            );
          })}
        </ul>
      ) : (
        sessions.data && <Empty>No live session.</Empty>
      )}
      <Allowed permission="sessions:manage">
        <ConfirmDialog
          trigger={<TriggerButton tone="danger">End all sessions</TriggerButton>}
          title="Sign this user out everywhere?"
          description="Every refresh token stops working; access tokens are refused from the next request."
          confirmLabel="End all sessions"
          danger
          onConfirm={async () => {
            await must(api.DELETE('/users/{id}/sessions', { params: { path: { id } } }));
            await refresh();
          }}
        />
      </Allowed>
    </div>
  );
}
