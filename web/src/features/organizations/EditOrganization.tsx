import { useQueryClient } from '@tanstack/react-query';
import { patchOrganizationBody, type paths } from '@tessera/client';
import { api, must } from '../../app/client.js';
import { FormDialog } from '../../ui/ConfirmDialog.js';
import { CheckedInput, useFieldProblems } from '../../ui/FieldProblems.js';
import { choicesOf } from '../../ui/validation.js';
import type { Org } from './OrganizationsPage.js';
import { slugConflictInConsoleWords } from './slugs.js';

type TextField = 'name' | 'slug' | 'description' | 'brandName' | 'brandLogoUrl' | 'brandPrimaryColor';
/** The fields a form may leave empty to send null: the server's setting (or nothing) applies again. */
const clearable = ['description', 'brandName', 'brandLogoUrl', 'brandPrimaryColor', 'mfa'] as const;

type Body = NonNullable<paths['/organizations/{id}']['patch']['requestBody']>['content']['application/json'];

/**
 * The body the edit form sends: every field, an emptied optional one as null. The choices come from the
 * schema's selects and are checked against it before sending, hence the casts.
 */
function editedOrganizationBody(form: FormData): Body {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  return {
    name: text('name'),
    slug: text('slug'),
    status: text('status') as Body['status'],
    ...(Object.fromEntries(clearable.map((name) => [name, text(name) || null])) as Pick<Body, (typeof clearable)[number]>),
  };
}

// The second-factor policies, from the schema's choice beside null (null: the server's MFA_POLICY applies).
const mfaPolicies = choicesOf(patchOrganizationBody.properties.mfa.anyOf[0]);

/** Edits an organization's name, slug, description, status, second-factor policy and look, checked against the API's schema. */
export function EditOrganizationDialog({ org }: { org: Org }) {
  const queryClient = useQueryClient();
  const fields = useFieldProblems(patchOrganizationBody, editedOrganizationBody);
  const text = (name: TextField, label: string, props: { type?: string; hint?: string; required?: boolean } = {}) => (
    <CheckedInput fields={fields} name={name} label={label} autoComplete="off" defaultValue={org[name] ?? ''} {...props} />
  );
  return (
    <FormDialog
      trigger={
        <button type="button" aria-label={`Edit ${org.name}`}>
          Edit
        </button>
      }
      title={`Edit ${org.name}`}
      submitLabel="Save organization"
      onSubmit={async (form) => {
        const body = fields.checked(form);
        await must(api.PATCH('/organizations/{id}', { params: { path: { id: org.id } }, body })).catch(
          slugConflictInConsoleWords(body.slug ?? ''),
        );
        await queryClient.invalidateQueries({ queryKey: ['organizations'] });
      }}
    >
      <div className="stack" {...fields.handlers}>
        {text('name', 'Name', { required: true })}
        {text('slug', 'Slug', { hint: 'Lower-case letters, digits and dashes; used in links' })}
        {text('description', 'Description (optional)')}
        <label>
          Status
          <select autoComplete="off" name="status" defaultValue={org.status} {...fields.describe('status')}>
            {choicesOf(patchOrganizationBody.properties.status).map((choice) => (
              <option key={choice}>{choice}</option>
            ))}
          </select>
          {fields.problem('status')}
        </label>
        <label>
          Second factors for its members
          <select autoComplete="off" name="mfa" defaultValue={org.mfa ?? ''}>
            <option value="">As the server is set (MFA_POLICY)</option>
            {mfaPolicies.map((policy) => (
              <option key={policy}>{policy}</option>
            ))}
          </select>
        </label>
        {text('brandName', 'Brand name on its invitation pages (optional)')}
        {text('brandLogoUrl', 'Logo URL (optional)', { type: 'url', hint: 'https only' })}
        {text('brandPrimaryColor', 'Primary colour (optional)', { hint: '#rrggbb, e.g. #0a6cff' })}
      </div>
    </FormDialog>
  );
}
