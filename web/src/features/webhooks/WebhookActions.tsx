import { useQueryClient } from '@tanstack/react-query';
import { updateWebhookBody } from '@tessera/client';
import { api, must } from '../../app/client.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { when } from '../../ui/parts.js';
import type { ShownSecret } from './SecretNotice.js';
import { editedWebhookBody, WebhookFields } from './WebhookFields.js';
import { type Webhook, webhookKeys, webhookPath } from './webhooks.js';

export const StatusBadge = ({ hook }: { hook: Webhook }) => (
  <span className={`status ${hook.status === 'ACTIVE' ? 'active' : 'suspended'}`}>{hook.status === 'ACTIVE' ? 'Enabled' : 'Disabled'}</span>
);

/** Reads every list or page showing this webhook again. */
export function useWebhookRefresh() {
  const queryClient = useQueryClient();
  return (id: string) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: webhookKeys.list }),
      queryClient.invalidateQueries({ queryKey: webhookKeys.one(id) }),
      queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(id) }),
    ]);
}

/** The edit form of a webhook, checked against the API's schema before it is sent. */
function EditWebhookDialog({ hook, name }: { hook: Webhook; name: string }) {
  const refresh = useWebhookRefresh();
  const fields = useFieldProblems(updateWebhookBody, editedWebhookBody);
  return (
    <FormDialog
      trigger={
        <button type="button" aria-label={`Edit ${name}`}>
          Edit
        </button>
      }
      title={`Edit ${name}`}
      submitLabel="Save"
      onSubmit={async (form) => {
        await must(api.PATCH('/webhooks/{id}', { ...webhookPath(hook.id), body: fields.checked(form) }));
        await refresh(hook.id);
      }}
    >
      <div className="stack" {...fields.handlers}>
        <WebhookFields fields={fields} current={hook} />
      </div>
    </FormDialog>
  );
}

/** Edit, enable or disable, and delete: on the list's rows and on the webhook's page. */
export function WebhookActions({ hook, onDeleted }: { hook: Webhook; onDeleted?: () => void }) {
  const refresh = useWebhookRefresh();
  const name = hook.description || hook.url;
  const active = hook.status === 'ACTIVE';
  return (
    <>
      <EditWebhookDialog hook={hook} name={name} />
      <button
        type="button"
        aria-label={`${active ? 'Disable' : 'Enable'} ${name}`}
        onClick={async () => {
          await must(api.PATCH('/webhooks/{id}', { ...webhookPath(hook.id), body: { status: active ? 'DISABLED' : 'ACTIVE' } }));
          await refresh(hook.id);
        }}
      >
        {active ? 'Disable' : 'Enable'}
      </button>
      <ConfirmDialog
        trigger={
          <TriggerButton tone="danger" aria-label={`Delete ${name}`}>
            Delete
          </TriggerButton>
        }
        title={`Delete the webhook to ${hook.url}?`}
        description="It receives nothing more; its delivery log and the deliveries not yet sent are dropped."
        confirmLabel="Delete webhook"
        danger
        onConfirm={async () => {
          await must(api.DELETE('/webhooks/{id}', webhookPath(hook.id)));
          await refresh(hook.id);
          onDeleted?.();
        }}
      />
    </>
  );
}

/** Rotating the secret: the new one shown once, both signing until the grace period ends. */
export function RotateSecret({ hook, onRotated }: { hook: Webhook; onRotated: (shown: ShownSecret) => void }) {
  const refresh = useWebhookRefresh();
  return (
    <ConfirmDialog
      trigger={<button type="button">Rotate secret</button>}
      title="Rotate the signing secret?"
      description="A new secret is made and shown once. For a grace period each delivery is signed with both the new and the current secret, so you can switch the receiver without missing one; then only the new one signs."
      confirmLabel="Rotate secret"
      onConfirm={async () => {
        const rotated = await must(api.POST('/webhooks/{id}/secret', webhookPath(hook.id)));
        onRotated({
          title: 'New signing secret',
          secret: rotated.secret,
          note: `Until ${when(rotated.previousSecretValidUntil)} both the new and the previous secret sign each delivery; then only the new one.`,
        });
        await refresh(hook.id);
      }}
    />
  );
}
