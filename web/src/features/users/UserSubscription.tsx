import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../../app/client.js';
import { Allowed } from '../../app/permissions.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { Empty, ErrorNote, when } from '../../ui/parts.js';

/** A user's subscription: the plan, its period and features; change the plan or cancel. */
export function UserSubscription({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const path = { params: { path: { id } } };
  const subscription = useQuery({
    queryKey: ['subscription', id],
    queryFn: async () => {
      const { data, error, response } = await api.GET('/users/{id}/subscription', path);
      if (response.status === 404) return null;
      if (error) throw error;
      return data ?? null;
    },
  });
  const plans = useQuery({ queryKey: ['plans'], queryFn: () => must(api.GET('/subscription-plans')) });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['subscription', id] }),
      queryClient.invalidateQueries({ queryKey: ['plans'] }),
    ]);
  const current = subscription.data;
  return (
    <div className="stack">
      <ErrorNote error={subscription.error} />
      {current ? (
        <dl className="facts" aria-label="Subscription">
          <dt>Plan</dt>
          <dd>
            <strong>{current.type}</strong> <span className={`status ${current.status.toLowerCase()}`}>{current.status}</span>
          </dd>
          <dt>Period</dt>
          <dd>
            {when(current.startDate)} – {current.endDate ? when(current.endDate) : 'open-ended'}
          </dd>
          <dt>Features</dt>
          <dd>{current.features.join(', ') || '—'}</dd>
          {current.cancelledAt && (
            <>
              <dt>Cancelled</dt>
              <dd>{when(current.cancelledAt)}</dd>
            </>
          )}
        </dl>
      ) : (
        subscription.data === null && <Empty>No subscription.</Empty>
      )}
      <Allowed permission="subscriptions:manage">
        <div className="actions wrap">
          <FormDialog
            trigger={<button type="button">Change plan</button>}
            title="Change plan"
            submitLabel="Save plan"
            onSubmit={async (form) => {
              const end = String(form.get('endDate') ?? '');
              await must(
                api.PUT('/users/{id}/subscription', {
                  ...path,
                  body: { type: String(form.get('plan')), endDate: end ? new Date(end).toISOString() : null },
                }),
              );
              await refresh();
            }}
          >
            {plans.data?.data.length ? (
              <label>
                Plan
                <select autoComplete="off" name="plan" defaultValue={current?.type}>
                  {plans.data.data.map((plan) => (
                    <option key={plan.id} value={plan.name}>
                      {plan.name} {plan.features.length ? `(${plan.features.join(', ')})` : ''}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <label>
                Plan
                <input autoComplete="off" name="plan" defaultValue={current?.type ?? 'FREE'} required pattern="[A-Z][A-Z0-9_]{1,49}" />
              </label>
            )}
            <label>
              Ends (optional)
              <input autoComplete="off" name="endDate" type="date" />
            </label>
          </FormDialog>
          {current?.status === 'ACTIVE' && (
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Cancel subscription</TriggerButton>}
              title={`Cancel the ${current.type} subscription?`}
              description="It stays readable with status CANCELLED; the plan leaves the user's access token at its next refresh."
              confirmLabel="Cancel subscription"
              danger
              onConfirm={async () => {
                await must(api.POST('/users/{id}/subscription/cancel', path));
                await refresh();
              }}
            />
          )}
        </div>
      </Allowed>
    </div>
  );
}
