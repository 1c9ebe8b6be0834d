import { type EventOf, eventAuditEntry, eventViolation, publishedEvents } from '../platform/events.js';
import type { UseCases } from '../platform/use-case.js';
import { accessEvents } from './access/events.js';
import { authEvents } from './auth/events.js';
import { federationEvents } from './federation/events.js';
import { importEvents } from './import/events.js';
import { invitationEvents } from './invitations/events.js';
import { learningEvents } from './learning/events.js';
import { mfaEvents } from './mfa/events.js';
import { oidcEvents } from './oidc/events.js';
import { organizationEvents } from './organizations/events.js';
import { subscriptionEvents } from './subscriptions/events.js';
import { userEvents } from './users/events.js';
import { webhookEvents } from './webhooks/events.js';

/**
 * Every domain event Tessera emits, by module: the audit trail's actions are exactly these names
 * (docs/audit.md lists them), and the public ones are the contract `GET /events/catalog` publishes. A module's
 * catalogue lives in its events.ts; this file only joins them.
 */
export const domainEvents = {
  ...accessEvents,
  ...organizationEvents,
  ...userEvents,
  ...subscriptionEvents,
  ...authEvents,
  ...invitationEvents,
  ...importEvents,
  ...learningEvents,
  ...federationEvents,
  ...webhookEvents,
  ...mfaEvents,
  ...oidcEvents,
} as const;

export type DomainEvent = EventOf<typeof domainEvents>;
export type EventType = DomainEvent['type'];
export type DomainUseCases = UseCases<DomainEvent>;

/** What the audit trail records of an event: its entity and the payload as its catalogue redacts it. */
export const auditEntryOf = (event: DomainEvent) => eventAuditEntry(domainEvents, event);

/** The public events with their version and payload schema, as `GET /events/catalog` lists them. */
export const eventCatalog = () => publishedEvents(domainEvents);

/**
 * Tests: an inspector of the use-case runner (`useCases.inspect`) that reports every emitted event whose
 * payload its schema refuses, on both paths of emission (a transaction's `emit` and `runAsStatement`).
 */
export const payloadChecker =
  (report: (violation: string) => void) =>
  (event: DomainEvent): void => {
    const violation = eventViolation(domainEvents, event);
    if (violation) report(violation);
  };
