/**
 * A kind of domain event: the entity it is about, and what of its payload the audit trail keeps.
 * The payload type rides along for the compiler only.
 */
export interface EventSpec<P = undefined> {
  readonly entity: string;
  /** What the audit row keeps of the payload: changed field names, before → after, ids. Never a secret. */
  readonly audit: (payload: P) => Record<string, unknown> | null;
  readonly __payload?: P;
}

const keepAll = (payload: unknown) => (payload === undefined ? null : (payload as Record<string, unknown>));

/** `event<{ roles: string[] }>('user')`: an event about a user whose whole payload is auditable. */
export function event<P = undefined>(entity: string, audit?: (payload: P) => Record<string, unknown> | null): EventSpec<P> {
  return { entity, audit: audit ?? keepAll };
}

// The payload types differ per entry; `never` as the parameter accepts every audit function.
export type EventCatalogue = Record<
  string,
  { readonly entity: string; readonly audit: (payload: never) => Record<string, unknown> | null }
>;

type PayloadOf<S> = S extends EventSpec<infer P> ? P : never;

/** The events a catalogue allows, as a union discriminated by `type`; the payload is required when it has one. */
export type EventOf<C extends EventCatalogue> = {
  [K in keyof C & string]: {
    readonly type: K;
    /** The entity the event is about (user id, role id …), when it has one. */
    readonly entityId: string | null;
    /** The tenant it happened in, when it is not the caller's. */
    readonly organizationId?: string | null;
    /** Who did it, when it is not the caller's principal (a sign-in acts as the user signing in). */
    readonly actorId?: string | null;
  } & (undefined extends PayloadOf<C[K]> ? { readonly payload?: PayloadOf<C[K]> } : { readonly payload: PayloadOf<C[K]> });
}[keyof C & string];

/** The audit entry of an event: the catalogue's entity, and its payload as the catalogue redacts it. */
export function eventAuditEntry<C extends EventCatalogue>(catalogue: C, event: EventOf<C>) {
  const spec = catalogue[event.type] as EventSpec<unknown>;
  return {
    action: event.type,
    entity: spec.entity,
    entityId: event.entityId,
    organizationId: event.organizationId,
    payload: spec.audit((event as { payload?: unknown }).payload) ?? undefined,
  };
}
