import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { api, must } from '../../app/client.js';
import { Allowed, useMay } from '../../app/permissions.js';
import { CreateDialog, FormDialog } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { counted, Empty, ErrorNote, LiveStatus, Loading, Page } from '../../ui/parts.js';

export const loadPlans = () => must(api.GET('/subscription-plans'));
type Plan = Awaited<ReturnType<typeof loadPlans>>['data'][number];

/** The features field: one feature per line or separated by commas. */
const featuresOf = (form: FormData) => [
  ...new Set(
    String(form.get('features') ?? '')
      .split(/[\n,]/)
      .map((feature) => feature.trim())
      .filter(Boolean),
  ),
];

function PlanFields({ plan }: { plan?: Plan }) {
  return (
    <>
      {!plan && (
        <label>
          Name (capitals, e.g. TEAM)
          <input autoComplete="off" name="name" required pattern="[A-Z][A-Z0-9_]{1,49}" />
        </label>
      )}
      <label>
        Description
        <input autoComplete="off" name="description" defaultValue={plan?.description ?? ''} />
      </label>
      <label>
        Features (one a line)
        <textarea autoComplete="off" name="features" rows={5} defaultValue={plan?.features.join('\n') ?? ''} />
      </label>
    </>
  );
}

/** Subscription plans (seed 004): what each gives, and how many people are on it. */
export default function PlansPage() {
  const queryClient = useQueryClient();
  const plans = useQuery({ queryKey: ['plans'], queryFn: loadPlans });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['plans'] });
  const may = useMay();
  const columns: ColumnDef<Plan, unknown>[] = [
    { header: 'Plan', cell: ({ row }) => <strong>{row.original.name}</strong> },
    { header: 'Description', cell: ({ row }) => row.original.description ?? '—' },
    { header: 'Features', cell: ({ row }) => row.original.features.join(', ') || '—' },
    { header: 'Subscribers', cell: ({ row }) => row.original.subscribers },
  ];
  // Editing only for an administrator who may manage subscriptions; a reader sees no empty column.
  const actions: ColumnDef<Plan, unknown>[] = [
    {
      header: 'Actions',
      cell: ({ row }) => (
        <FormDialog
          trigger={<button type="button">Edit {row.original.name}</button>}
          title={`Edit the plan ${row.original.name}`}
          submitLabel="Save plan"
          onSubmit={async (form) => {
            await must(
              api.PATCH('/subscription-plans/{id}', {
                params: { path: { id: row.original.id } },
                body: { description: String(form.get('description') ?? '') || null, features: featuresOf(form) },
              }),
            );
            await refresh();
          }}
        >
          <PlanFields plan={row.original} />
        </FormDialog>
      ),
    },
  ];
  return (
    <Page
      title="Subscription plans"
      actions={
        <Allowed permission="subscriptions:manage">
          <CreateDialog
            noun="plan"
            onSubmit={async (form) => {
              const description = String(form.get('description') ?? '');
              await must(
                api.POST('/subscription-plans', {
                  body: { name: String(form.get('name')), features: featuresOf(form), ...(description ? { description } : {}) },
                }),
              );
              await refresh();
            }}
          >
            <PlanFields />
          </CreateDialog>
        </Allowed>
      }
    >
      <p className="muted">A subscription put on a plan gets its features; people already on it keep the ones they were given.</p>
      <ErrorNote error={plans.error} />
      {plans.isPending && <Loading />}
      {plans.data && <LiveStatus>{`${counted(plans.data.data.length, 'plan', 'plans')}.`}</LiveStatus>}
      {plans.data?.data.length ? (
        <DataTable
          label="Subscription plans"
          rows={plans.data.data}
          columns={may('subscriptions:manage') ? [...columns, ...actions] : columns}
        />
      ) : (
        plans.data && <Empty>No plan yet: create one, or seed the saas preset.</Empty>
      )}
    </Page>
  );
}
