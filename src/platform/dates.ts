/** A moment as the API shows it: an ISO 8601 string, or null for none. */
export const isoOrNull = (value: Date | null | undefined) => value?.toISOString() ?? null;
