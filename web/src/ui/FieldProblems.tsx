import { type ComponentProps, type FocusEvent, type SyntheticEvent, useId, useState } from 'react';
import { fieldProblems, type JsonSchema } from './validation.js';

/**
 * A form's field problems against its request body's schema: a field's problem shows when it is left
 * (not before it was touched), every field's before the form is sent. `bodyOf` builds the body the form
 * would send, so what is checked is exactly what the API would receive.
 */
export function useFieldProblems<Body extends Record<string, unknown>>(schema: JsonSchema, bodyOf: (form: FormData) => Body) {
  const id = useId();
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());

  function show(all: Record<string, string>, fields: ReadonlySet<string>) {
    setTouched(fields);
    setProblems(Object.fromEntries(Object.entries(all).filter(([name]) => fields.has(name))));
  }

  /** The touched fields checked again, and the one just left or changed counted as touched when `touch`. */
  function recheck(event: SyntheticEvent<HTMLElement>, touch: boolean) {
    const field = event.target as HTMLInputElement;
    if (!field.form || !field.name) return;
    show(fieldProblems(schema, bodyOf(new FormData(field.form))), touch ? new Set([...touched, field.name]) : touched);
  }
  /**
   * For the form or a container around its fields: a field's problem shows when it is left, and goes (or
   * changes) while it is corrected, so the layout is settled before the submit button is pressed.
   */
  const handlers = {
    onBlur: (event: FocusEvent<HTMLElement>) => recheck(event, true),
    onChange: (event: SyntheticEvent<HTMLElement>) => recheck(event, false),
  };

  /** Before sending: the body, or every problem shown and a sentence thrown so the form stays open. */
  function checked(form: FormData): Body {
    const body = bodyOf(form);
    const all = fieldProblems(schema, body);
    show(all, new Set([...touched, ...Object.keys(all)]));
    if (Object.keys(all).length > 0) throw 'Correct the fields marked before saving.';
    return body;
  }

  const problemId = (name: string) => `${id}-${name}-problem`;
  /** The attributes that tie a field to its problem. */
  const describe = (name: string) =>
    problems[name] ? { 'aria-invalid': true as const, 'aria-describedby': problemId(name) } : { 'aria-invalid': undefined };
  /** The field's problem, to place after it. */
  const problem = (name: string) =>
    problems[name] ? (
      <span id={problemId(name)} className="field-problem">
        {problems[name]}
      </span>
    ) : null;

  return { handlers, checked, describe, problem };
}

/** What a form's fields need of useFieldProblems: their attributes and problem. */
export type Fields = Pick<ReturnType<typeof useFieldProblems>, 'describe' | 'problem'>;

/** A labelled input tied to its problem from the schema, with a hint under it when the form needs one. */
export function CheckedInput(props: { fields: Fields; name: string; label: string; hint?: string } & ComponentProps<'input'>) {
  const { fields, name, label, hint, ...input } = props;
  return (
    <label>
      {label}
      <input autoComplete="off" name={name} type="text" {...input} {...fields.describe(name)} />
      {hint && <span className="muted">{hint}</span>}
      {fields.problem(name)}
    </label>
  );
}
