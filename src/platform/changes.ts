/** Equal as an audit record sees it: dates by their instant, lists and objects by their content. */
function same(a: unknown, b: unknown) {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** A field as an event's payload carries it: a date as its ISO string. */
type Recorded<V> = V extends Date ? string : V;

const recorded = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

/**
 * Only the fields that differ, before → after (dates as ISO strings, as an event's payload carries them);
 * undefined when nothing did: an update that changes nothing is no event.
 */
export function changedFields<T extends object, K extends keyof T & string>(before: T, after: T, keys: readonly K[]) {
  const changed = keys.filter((key) => !same(before[key], after[key]));
  if (changed.length === 0) return undefined;
  const pick = (row: T) => Object.fromEntries(changed.map((key) => [key, recorded(row[key])])) as Partial<{ [P in K]: Recorded<T[P]> }>;
  return { before: pick(before), after: pick(after) };
}
