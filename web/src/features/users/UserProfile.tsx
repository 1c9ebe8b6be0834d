import { useQuery } from '@tanstack/react-query';
import { patchUserBody } from '@tessera/client';
import { type FormEvent, useState } from 'react';
import { api, must } from '../../app/client.js';
import { Allowed, EditableBy } from '../../app/permissions.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { ErrorNote } from '../../ui/parts.js';
import { choicesOf } from '../../ui/validation.js';
import type { User } from './UserPage.js';

type Profile = NonNullable<User['profile']>;
type ProfileChange = Partial<Omit<Profile, 'avatarUrl'>>;

/** PATCH /users/{id}'s `profile` as the API publishes it: the form checks its fields against it before sending. */
const profileSchema = patchUserBody.properties.profile;
const genders = choicesOf(profileSchema.properties.gender.anyOf[0]);
const visibilities = choicesOf(profileSchema.properties.profileVisibility);

/** Text fields of the profile that may be emptied (null); timezone and language always hold a value. */
const optionalText = [
  ['phoneNumber', 'Phone number (E.164, e.g. +4930123456)', 'tel'],
  ['dateOfBirth', 'Date of birth', 'date'],
  ['addressLine1', 'Address line 1', 'text'],
  ['addressLine2', 'Address line 2', 'text'],
  ['city', 'City', 'text'],
  ['stateProvince', 'State or province', 'text'],
  ['postalCode', 'Postal code', 'text'],
  ['country', 'Country', 'text'],
  ['linkedinUrl', 'LinkedIn URL', 'url'],
  ['twitterUrl', 'Twitter URL', 'url'],
  ['websiteUrl', 'Website', 'url'],
] as const;

/** The form's values as PATCH /users/{id} takes them: an emptied optional field is cleared (null). */
function profileChange(form: FormData): ProfileChange & Record<string, unknown> {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const orNull = (name: string) => text(name) || null;
  return {
    bio: orNull('bio'),
    timezone: text('timezone'),
    language: text('language'),
    gender: (orNull('gender') as Profile['gender']) ?? null,
    profileVisibility: text('profileVisibility') as Profile['profileVisibility'],
    showEmail: form.get('showEmail') === 'on',
    showPhone: form.get('showPhone') === 'on',
    ...Object.fromEntries(optionalText.map(([name]) => [name, orNull(name)])),
  };
}

/** Saves a form through `save`, showing the API's field errors next to the form and "Saved." once done. */
function useSaving(save: (form: FormData) => Promise<unknown>) {
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await save(new FormData(event.currentTarget));
      setSaved(true);
    } catch (failure) {
      setError(failure);
    }
  };
  const outcome = (
    <>
      <ErrorNote error={error} />
      {saved && <p role="status">Saved.</p>}
    </>
  );
  return { onSubmit, outcome };
}

/** Every field of a person's profile, as the person sets them on their own account page. */
export function UserProfile({ user, onSaved }: { user: User; onSaved: () => unknown }) {
  const profile = user.profile;
  const fields = useFieldProblems(profileSchema, profileChange);
  const { onSubmit, outcome } = useSaving(async (form) => {
    await must(api.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { profile: fields.checked(form) } }));
    await onSaved();
  });
  if (!profile) return null;
  return (
    <div className="stack">
      <form className="stack narrow" aria-label="Edit profile" {...fields.handlers} onSubmit={onSubmit}>
        <EditableBy permission="users:write">
          <label>
            Bio
            <textarea name="bio" defaultValue={profile.bio ?? ''} rows={4} autoComplete="off" {...fields.describe('bio')} />
            {fields.problem('bio')}
          </label>
          <label>
            Time zone (IANA, e.g. Europe/Berlin)
            <input name="timezone" defaultValue={profile.timezone} required autoComplete="off" {...fields.describe('timezone')} />
            {fields.problem('timezone')}
          </label>
          <label>
            Language (BCP 47, e.g. de or pt-BR)
            <input name="language" defaultValue={profile.language} required autoComplete="off" {...fields.describe('language')} />
            {fields.problem('language')}
          </label>
          <label>
            Gender
            <select autoComplete="off" name="gender" defaultValue={profile.gender ?? ''}>
              <option value="">Not given</option>
              {genders.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          {optionalText.map(([name, label, type]) => (
            <label key={name}>
              {label}
              <input name={name} type={type} defaultValue={profile[name] ?? ''} autoComplete="off" {...fields.describe(name)} />
              {fields.problem(name)}
            </label>
          ))}
          <label>
            Who sees the profile
            <select autoComplete="off" name="profileVisibility" defaultValue={profile.profileVisibility}>
              {visibilities.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label className="inline">
            <input type="checkbox" name="showEmail" defaultChecked={profile.showEmail} /> Show the email on the profile
          </label>
          <label className="inline">
            <input type="checkbox" name="showPhone" defaultChecked={profile.showPhone} /> Show the phone number on the profile
          </label>
        </EditableBy>
        {outcome}
        <Allowed permission="users:write">
          <button type="submit" className="primary">
            Save profile
          </button>
        </Allowed>
      </form>
      <Placement user={user} onSaved={onSaved} />
    </div>
  );
}

/** The organization a person belongs to by default and their user type (moving people between organizations is for cross-tenant administrators). */
function Placement({ user, onSaved }: { user: User; onSaved: () => unknown }) {
  const organizations = useQuery({ queryKey: ['organizations', 'all'], queryFn: () => must(api.GET('/organizations', {})) });
  const types = useQuery({ queryKey: ['user-types'], queryFn: () => must(api.GET('/user-types')) });
  const { onSubmit, outcome } = useSaving(async (form) => {
    const chosen = (name: string) => String(form.get(name) ?? '') || null;
    await must(
      api.PATCH('/users/{id}', {
        params: { path: { id: user.id } },
        body: { organizationId: chosen('organizationId'), userTypeId: chosen('userTypeId') },
      }),
    );
    await onSaved();
  });
  return (
    <form className="stack narrow" aria-label="Organization and user type" onSubmit={onSubmit}>
      <h2>Organization and type</h2>
      <ErrorNote error={organizations.error ?? types.error} />
      <EditableBy permission="users:write">
        <IdChoice label="Default organization" name="organizationId" value={user.organizationId} options={organizations.data?.data} />
        <IdChoice label="User type" name="userTypeId" value={user.userTypeId} options={types.data?.data} />
      </EditableBy>
      {outcome}
      <Allowed permission="users:write">
        <button type="submit" className="primary">
          Save organization and type
        </button>
      </Allowed>
    </form>
  );
}

/** A choice of one of a list by id, or none; it takes its value once the list has come. */
function IdChoice(props: { label: string; name: string; value: string | null; options?: { id: string; name: string }[] }) {
  return (
    <label>
      {props.label}
      <select autoComplete="off" name={props.name} defaultValue={props.value ?? ''} key={props.options ? 'loaded' : 'loading'}>
        <option value="">None</option>
        {props.options?.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name}
          </option>
        ))}
      </select>
    </label>
  );
}
