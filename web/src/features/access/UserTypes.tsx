import { useQuery, useQueryClient } from '@tanstack/react-query';
import { patchUserTypeBody, postUserTypesBody } from '@tessera/client';
import { api, must } from '../../app/client.js';
import { Allowed } from '../../app/permissions.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { Empty, ErrorNote, Loading } from '../../ui/parts.js';
import type { JsonSchema } from '../../ui/validation.js';

const listTypes = () => must(api.GET('/user-types'));
type UserType = Awaited<ReturnType<typeof listTypes>>['data'][number];

/** A type's name and description as the form would send them (an emptied description: null, none). */
const typeBody = (form: FormData) => ({
  name: String(form.get('name') ?? '').trim(),
  description: String(form.get('description') ?? '').trim() || null,
});

/** User types (e.g. Teacher, Student): listed, created, renamed or described, deleted after confirming. */
export function UserTypes() {
  const queryClient = useQueryClient();
  const types = useQuery({ queryKey: ['user-types'], queryFn: listTypes });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['user-types'] });
  return (
    <section aria-labelledby="user-types-title" className="stack">
      <div className="actions">
        <h2 id="user-types-title">User types</h2>
        <Allowed permission="user-types:manage">
          <UserTypeDialog schema={postUserTypesBody} onSaved={refresh} />
        </Allowed>
      </div>
      <ErrorNote error={types.error} />
      {types.isPending && <Loading />}
      {types.data?.data.length === 0 && <Empty>No user type yet.</Empty>}
      <ul className="list" aria-label="User types">
        {types.data?.data.map((type) => (
          <li key={type.id}>
            <strong>{type.name}</strong> <span className="muted">{type.description}</span>
            <Allowed permission="user-types:manage">
              <div className="actions">
                <UserTypeDialog schema={patchUserTypeBody} type={type} onSaved={refresh} />
                <ConfirmDialog
                  trigger={<TriggerButton tone="danger">Delete {type.name}</TriggerButton>}
                  title={`Delete the user type ${type.name}?`}
                  description="The people of this type keep their accounts, with no type."
                  confirmLabel="Delete user type"
                  danger
                  onConfirm={async () => {
                    await must(api.DELETE('/user-types/{id}', { params: { path: { id: type.id } } }));
                    await refresh();
                  }}
                />
              </div>
            </Allowed>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Creates a user type, or edits `type`; the fields are checked against the request's schema before sending. */
function UserTypeDialog({ schema, type, onSaved }: { schema: JsonSchema; type?: UserType; onSaved: () => Promise<unknown> }) {
  const fields = useFieldProblems(schema, typeBody);
  const title = type ? `Edit ${type.name}` : 'New user type';
  return (
    <FormDialog
      trigger={type ? <button type="button">Edit {type.name}</button> : <TriggerButton tone="primary">New user type</TriggerButton>}
      title={title}
      submitLabel={type ? 'Save user type' : 'Create user type'}
      onSubmit={async (form) => {
        const body = fields.checked(form);
        await must(type ? api.PATCH('/user-types/{id}', { params: { path: { id: type.id } }, body }) : api.POST('/user-types', { body }));
        await onSaved();
      }}
    >
      <div className="stack" {...fields.handlers}>
        <label>
          Name
          <input name="name" required autoComplete="off" defaultValue={type?.name} {...fields.describe('name')} />
          {fields.problem('name')}
        </label>
        <label>
          Description (optional)
          <input name="description" autoComplete="off" defaultValue={type?.description ?? ''} {...fields.describe('description')} />
          {fields.problem('description')}
        </label>
      </div>
    </FormDialog>
  );
}
