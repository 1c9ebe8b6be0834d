import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import type { Fields } from '../../ui/FieldProblems.js';
import { ErrorNote } from '../../ui/parts.js';
import type { Webhook } from './webhooks.js';

const loadCatalog = () => must(api.GET('/events/catalog'));

/**
 * The catalogue's event types grouped by the name before their dot ("user" for "user.created"), in the
 * catalogue's order: that name is what a wildcard ("user.*") covers, whichever entity the event names.
 */
function byPrefix(events: { type: string }[]) {
  const groups = new Map<string, string[]>();
  for (const { type } of events) {
    const prefix = type.slice(0, type.indexOf('.'));
    groups.set(prefix, [...(groups.get(prefix) ?? []), type]);
  }
  return [...groups];
}

/**
 * The events a webhook receives, from `GET /events/catalog`: everything (`*`), every event of a prefix
 * (`user.*`) or single types. A wildcard chosen makes the types it covers moot, so they are shown checked
 * and disabled rather than sent twice.
 */
function EventPicker({ initial, fields }: { initial: string[]; fields: Fields }) {
  const catalog = useQuery({ queryKey: ['events-catalog'], queryFn: loadCatalog, staleTime: Number.POSITIVE_INFINITY });
  const [chosen, setChosen] = useState(() => new Set(initial));
  const toggle = (pattern: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(pattern);
      else next.delete(pattern);
      return next;
    });
  const everything = chosen.has('*');
  const box = (pattern: string, label: string, coveredBy: boolean) => (
    <label key={pattern} className="inline">
      <input
        type="checkbox"
        name={coveredBy ? undefined : 'events'}
        value={pattern}
        checked={coveredBy || chosen.has(pattern)}
        disabled={coveredBy}
        onChange={(event) => toggle(pattern, event.target.checked)}
      />{' '}
      {label}
    </label>
  );
  return (
    <fieldset className="events" {...fields.describe('events')}>
      <legend>Events</legend>
      {fields.problem('events')}
      <ErrorNote error={catalog.error} />
      {catalog.isPending && <p aria-busy="true">Loading the event catalogue…</p>}
      {box('*', 'Every event (*)', false)}
      {catalog.data &&
        byPrefix(catalog.data.events).map(([prefix, types]) => {
          const wholeGroup = everything || chosen.has(`${prefix}.*`);
          return (
            <fieldset key={prefix}>
              <legend>{prefix}</legend>
              {box(`${prefix}.*`, `Every ${prefix} event (${prefix}.*)`, everything)}
              <div className="chips-row">{types.map((type) => box(type, type, wholeGroup))}</div>
            </fieldset>
          );
        })}
    </fieldset>
  );
}

/**
 * The fields of a webhook, for creating (with the organization a cross-tenant administrator may name) and
 * editing, each with its problem from the API's schema.
 */
export function WebhookFields(props: { fields: Fields; current?: Webhook; organizations?: { id: string; name: string }[] }) {
  const { fields, current, organizations } = props;
  return (
    <>
      <label>
        Endpoint URL
        <input
          name="url"
          type="url"
          required
          autoComplete="url"
          placeholder="https://"
          defaultValue={current?.url}
          {...fields.describe('url')}
        />
        {fields.problem('url')}
      </label>
      <label>
        Description (optional)
        <input name="description" autoComplete="off" defaultValue={current?.description ?? ''} {...fields.describe('description')} />
        {fields.problem('description')}
      </label>
      {organizations && (
        <label>
          Organization
          <select autoComplete="off" name="organizationId" defaultValue="">
            <option value="">Every organization (and events of none)</option>
            {organizations.map((organization) => (
              <option key={organization.id} value={organization.id}>
                {organization.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <EventPicker initial={current?.events ?? []} fields={fields} />
    </>
  );
}

const textOf = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

/** The body a new webhook's form sends: the description and organization only when given. */
export function newWebhookBody(form: FormData) {
  const description = textOf(form, 'description');
  const organizationId = textOf(form, 'organizationId');
  return {
    url: textOf(form, 'url'),
    events: form.getAll('events').map(String),
    ...(description ? { description } : {}),
    ...(organizationId ? { organizationId } : {}),
  };
}

/** The body an edited webhook's form sends: a description emptied is removed (null). */
export function editedWebhookBody(form: FormData) {
  return { url: textOf(form, 'url'), events: form.getAll('events').map(String), description: textOf(form, 'description') || null };
}
