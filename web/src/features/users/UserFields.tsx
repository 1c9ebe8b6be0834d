import { CheckedInput, type Fields } from '../../ui/FieldProblems.js';

type FieldName = 'email' | 'firstName' | 'lastName' | 'username' | 'phone';

/** A person's own fields, on the new user form and the user's page, each with its problem from the API's schema. */
export function UserFields({ fields, current }: { fields: Fields; current?: Partial<Record<FieldName, string | null>> }) {
  const field = (name: FieldName, label: string, props: { type?: string; autoComplete: string; required?: boolean; hint?: string }) => (
    <CheckedInput fields={fields} name={name} label={label} defaultValue={current?.[name] ?? ''} {...props} />
  );
  return (
    <>
      {field('email', 'Email', { type: 'email', autoComplete: 'off', required: true })}
      {field('firstName', 'First name', { autoComplete: 'off' })}
      {field('lastName', 'Last name', { autoComplete: 'off' })}
      {field('username', 'Username', { autoComplete: 'off', hint: '3 to 50 letters, digits, dots, dashes or underscores' })}
      {field('phone', 'Phone', { type: 'tel', autoComplete: 'off', hint: 'International form, e.g. +4930123456' })}
    </>
  );
}
