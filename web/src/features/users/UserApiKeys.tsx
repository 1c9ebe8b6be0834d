import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../../app/client.js';
import { useMay } from '../../app/permissions.js';
import { ApiKeyList } from '../../ui/ApiKeyList.js';
import { ErrorNote, Loading } from '../../ui/parts.js';

/** The user's API keys (made by the user; an administrator lists and revokes them). */
export function UserApiKeys({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const path = { params: { path: { id } } };
  const may = useMay();
  const keys = useQuery({ queryKey: ['user-api-keys', id], queryFn: () => must(api.GET('/users/{id}/api-keys', path)) });
  return (
    <div className="stack">
      <ErrorNote error={keys.error} />
      {keys.isPending && <Loading />}
      {keys.data && (
        <ApiKeyList
          keys={keys.data.data}
          empty="No API key: the user has made none, or revoked them all."
          onRevoke={
            may('sessions:manage')
              ? async (keyId) => {
                  await must(api.DELETE('/users/{id}/api-keys/{keyId}', { params: { path: { id, keyId } } }));
                  await queryClient.invalidateQueries({ queryKey: ['user-api-keys', id] });
                }
              : undefined
          }
        />
      )}
    </div>
  );
}
