import type { paths } from '@tessera/client';
import { ConfirmDialog } from './ConfirmDialog.js';
import { Empty, when } from './parts.js';

type ApiKey = paths['/auth/api-keys']['get']['responses'][200]['content']['application/json']['data'][number];

/** API keys as a list (never their secrets), each with a confirmed revoke when `onRevoke` is given. */
export function ApiKeyList({ keys, empty, onRevoke }: { keys: ApiKey[]; empty: string; onRevoke?: (id: string) => Promise<unknown> }) {
  if (!keys.length) return <Empty>{empty}</Empty>;
  return (
    <ul className="list" aria-label="API keys">
      {keys.map((key) => (
        <li key={key.id}>
          <strong>{key.name}</strong> <code>{key.prefix}…</code> · {key.scopes.join(', ') || 'no scope'} · last used {when(key.lastUsedAt)}
          {key.expiresAt ? ` · expires ${when(key.expiresAt)}` : ''}{' '}
          {onRevoke && (
            <ConfirmDialog
              trigger={
                <button type="button" className="danger">
                  Revoke {key.name}
                </button>
              }
              title={`Revoke ${key.name}?`}
              description="Requests with it, and with any key made with it, are refused from now on."
              confirmLabel="Revoke key"
              danger
              onConfirm={() => onRevoke(key.id)}
            />
          )}
        </li>
      ))}
    </ul>
  );
}
