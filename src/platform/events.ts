import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * `public`: part of Tessera's contract, listed by `GET /events/catalog` and to be delivered to webhooks.
 * `internal`: operational detail (sign-ins, mailed links, sessions, credentials) that stays in the audit trail.
 */
export type Visibility = 'public' | 'internal';

/**
 * A kind of domain event: the entity it is about, its payload's schema and version, who may see it,
 * and what of its payload the audit trail keeps. The payload type rides along for the compiler only.
 */
export interface EventSpec<P = undefined> {
  readonly entity: string;
  /** Bumped when a public payload changes incompatibly; consumers key on (type, version). */
  readonly version: number;
  readonly visibility: Visibility;
  /** The payload's schema; undefined for an event that carries none. */
  readonly payload: TSchema | undefined;
  /** What the audit row keeps of the payload: changed field names, before → after, ids. Never a secret. */
  readonly audit: (payload: P) => Record<string, unknown> | null;
  readonly __payload?: P;
}

/** A payload object: closed, so a field nobody declared (a token, say) cannot ride along unseen. */
export const payload = <P extends TProperties>(properties: P): TObject<P> => Type.Object(properties, { additionalProperties: false });

/** Changed fields of a record, before → after: each side names only what changed. */
export const changes = <P extends TProperties>(state: TObject<P>) => payload({ before: Type.Partial(state), after: Type.Partial(state) });

const keepAll = (value: unknown) => (value === undefined ? null : (value as Record<string, unknown>));

type Audit<P> = (payload: P) => Record<string, unknown> | null;
type PayloadFor<S> = S extends TSchema ? Static<S> : undefined;

const define =
  (visibility: Visibility) =>
  <S extends TSchema | undefined = undefined>(
    entity: string,
    version: number,
    schema?: S,
    audit?: Audit<PayloadFor<S>>,
  ): EventSpec<PayloadFor<S>> => ({
    entity,
    version,
    visibility,
    payload: schema,
    audit: audit ?? keepAll,
  });

/** `publicEvent('role', 1, payload({ name: Type.String() }))`: part of the contract webhooks deliver. */
export const publicEvent = define('public');
/** `internalEvent('session', 1)`: audited, never published. */
export const internalEvent = define('internal');

// The payload types differ per entry; `never` as the parameter accepts every audit function.
export type EventCatalogue = Record<
  string,
  {
    readonly entity: string;
    readonly version: number;
    readonly visibility: Visibility;
    readonly payload: TSchema | undefined;
    readonly audit: (payload: never) => Record<string, unknown> | null;
  }
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

/**
 * What a webhook delivery's `data` holds for an event: the entity's id and version (increasing with each
 * change delivered, so a receiver discards a stale one), its organization, then the payload's fields.
 */
function deliveredData(spec: EventCatalogue[string]): TSchema {
  const payloadFields = spec.payload && 'properties' in spec.payload ? (spec.payload.properties as TProperties) : {};
  return Type.Object(
    {
      id: Type.Optional(Type.String({ description: `The ${spec.entity}'s id (present when the event names one)` })),
      version: Type.Optional(
        Type.Integer({
          minimum: 1,
          description: `The ${spec.entity}'s version: greater for a later change; discard an event older than one applied`,
        }),
      ),
      organizationId: Type.Optional(Type.String({ description: 'The organization it happened in, when any' })),
      ...payloadFields,
    },
    { additionalProperties: false },
  );
}

/** The public events, by name, with their version, entity and payload schema (null when there is none), and what a delivery's `data` holds. */
export function publishedEvents(catalogue: EventCatalogue) {
  return Object.entries(catalogue)
    .filter(([, spec]) => spec.visibility === 'public')
    .map(([type, spec]) => ({ type, version: spec.version, entity: spec.entity, payload: spec.payload ?? null, data: deliveredData(spec) }))
    .sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** Why an emitted event does not match its catalogue entry, or undefined when it does. */
export function eventViolation(catalogue: EventCatalogue, event: { type: string; payload?: unknown }): string | undefined {
  const spec = catalogue[event.type];
  if (!spec) return `${event.type}: not in the event catalogue`;
  if (!spec.payload) return event.payload === undefined ? undefined : `${event.type}: carries a payload its schema does not declare`;
  const [first] = Value.Errors(spec.payload, event.payload);
  return first ? `${event.type}: ${first.path || '(payload)'} ${first.message}` : undefined;
}

/** Words that name a secret; a public payload field made of any of them (`refreshToken`, `apiKey`) is refused. */
const SECRET_WORDS = new Set([
  'password',
  'passwordhash',
  'token',
  'secret',
  'hash',
  'refreshtoken',
  'code',
  'key',
  'otp',
  'salt',
  'credential',
  'private',
]);

const wordsOf = (name: string) => name.split(/(?=[A-Z])|[_\-\s]+/).map((word) => word.toLowerCase());

/** A secret-like field: a name made of a secret word, holding something other than a flag (`withPassword: boolean` is fine). */
const isSecretLike = (name: string, schema: TSchema) =>
  schema.type !== 'boolean' && (SECRET_WORDS.has(name.toLowerCase()) || wordsOf(name).some((word) => SECRET_WORDS.has(word)));

/** Every secret-like field a schema declares, at any depth, as a dotted path. */
export function secretLikeFields(schema: TSchema | undefined, path = ''): string[] {
  if (!schema) return [];
  const nested = [
    ...Object.entries((schema.properties ?? {}) as Record<string, TSchema>).flatMap(([name, field]) => [
      ...(isSecretLike(name, field) ? [`${path}${name}`] : []),
      ...secretLikeFields(field, `${path}${name}.`),
    ]),
    ...((schema.anyOf ?? []) as TSchema[]).flatMap((member) => secretLikeFields(member, path)),
    ...(schema.items ? secretLikeFields(schema.items as TSchema, `${path}[].`) : []),
    ...Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>).flatMap((value) => secretLikeFields(value, `${path}*.`)),
  ];
  return [...new Set(nested)];
}
