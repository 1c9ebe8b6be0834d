import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
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
function EventPicker({ initial }: { initial: string[] }) {
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
    <fieldset className="events">
      <legend>Events</legend>
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

/** The fields of a webhook, for creating (with the organization a cross-tenant administrator may name) and editing. */
export function WebhookFields(props: { current?: Webhook; organizations?: { id: string; name: string }[] }) {
  const { current, organizations } = props;
  return (
    <>
      <label>
        Endpoint URL
        <input name="url" type="url" required maxLength={2000} autoComplete="url" placeholder="https://" defaultValue={current?.url} />
      </label>
      <label>
        Description (optional)
        <input name="description" maxLength={500} autoComplete="off" defaultValue={current?.description ?? ''} />
      </label>
      {organizations && (
        <label>
          Organization
          <select name="organizationId" defaultValue="">
            <option value="">Every organization (and events of none)</option>
            {organizations.map((organization) => (
              <option key={organization.id} value={organization.id}>
                {organization.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <EventPicker initial={current?.events ?? []} />
    </>
  );
}

/** The URL, description and events from the dialog's form; at least one event, as the API requires. */
export function webhookFieldsOf(form: FormData) {
  const events = form.getAll('events').map(String);
  if (events.length === 0) throw 'Choose at least one event (or every event).';
  return { url: String(form.get('url') ?? '').trim(), description: String(form.get('description') ?? '').trim(), events };
}
