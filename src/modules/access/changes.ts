/** Only the fields that differ, before → after; undefined when nothing did (an update that changes nothing is no event). */
export function changedFields<T extends object, K extends keyof T & string>(before: T, after: T, keys: readonly K[]) {
  const changed = keys.filter((key) => before[key] !== after[key]);
  if (changed.length === 0) return undefined;
  const pick = (row: T) => Object.fromEntries(changed.map((key) => [key, row[key]])) as Partial<Pick<T, K>>;
  return { before: pick(before), after: pick(after) };
}
