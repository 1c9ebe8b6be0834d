import type { Executor } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { pagedById } from '../../platform/paging.js';
import type { Emit } from '../../platform/use-case.js';
import { deferredGrants, inTenancy, tenantOf } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import { organizationErrors } from '../organizations/errors.js';
import { memberships } from '../organizations/service.js';
import { normalizeEmail } from '../users/service.js';
import type { InvitationsKit } from './deps.js';
import { invitationErrors as errors } from './errors.js';
import { newToken } from './mails.js';
import * as queries from './queries.js';
import type { CreateInvitation, ListInvitations } from './schemas.js';
import { invitationView } from './views.js';

/** An account to set up from a mailed link: made by an administrator (POST /users without a password) or imported. */
export interface AccountToSetUp {
  userId: string;
  email: string;
  organizationId: string | null;
}

/** The event of an invitation withdrawn before it was accepted. */
const cancellation = (emit: Emit<DomainEvent>, row: Pick<queries.InvitationRow, 'id' | 'organizationId'>) =>
  emit({ type: 'invitation.cancelled', entityId: row.id, organizationId: row.organizationId });

/** Inviting, listing, resending and cancelling, inside the actor's tenancy: another organization's invitation is a missing one. */
export function createInvitationManagement(kit: Pick<InvitationsKit, 'context' | 'mails' | 'organizations' | 'useCases' | 'users'>) {
  const { useCases, mails, organizations } = kit;
  const { config, database } = kit.context;
  const db = database.primary;
  const lifetimeFrom = (now: Date) => new Date(now.getTime() + config.INVITATION_EXPIRES_IN);

  async function inviterName(tx: Executor, userId: string) {
    const inviter = await kit.users.findById(tx, userId);
    return `${inviter?.firstName ?? ''} ${inviter?.lastName ?? ''}`.trim() || inviter?.email || 'An administrator';
  }

  async function visible(executor: Executor, caller: SignedInCaller, id: string) {
    const row = await queries.findInvitation(executor, id);
    if (!row || !inTenancy(caller.principal, row.organizationId)) throw errors.INVITATION_NOT_FOUND();
    return row;
  }

  async function resend(tx: Executor, emit: Emit<DomainEvent>, caller: SignedInCaller, row: queries.InvitationRow) {
    await mails.assertUnderCap(row.email);
    const now = new Date();
    const { token, hash } = newToken();
    const renewed = await queries.renew(tx, row.id, hash, now, lifetimeFrom(now));
    if (!renewed) throw errors.INVITATION_NOT_PENDING();
    await mails.invite(tx, renewed, token, await inviterName(tx, caller.principal.userId));
    await emit({ type: 'invitation.resent', entityId: row.id, organizationId: row.organizationId, payload: { email: row.email } });
    return renewed;
  }

  /** The set-password invitation of an account made without a password, in the use case that made it. */
  async function inviteToSetPassword(tx: Executor, emit: Emit<DomainEvent>, account: AccountToSetUp, invitedBy: string | null) {
    const { token, hash } = newToken();
    const row = await queries.insertInvitation(tx, {
      purpose: 'SET_PASSWORD',
      email: account.email,
      organizationId: account.organizationId,
      userId: account.userId,
      invitedBy,
      tokenHash: hash,
      expiresAt: lifetimeFrom(new Date()),
    });
    // An account that already waits for its password keeps its pending invitation.
    if (!row) return;
    await mails.invite(tx, row, token, '');
    const payload = { email: row.email, purpose: row.purpose, roles: [], permissions: [], userTypeId: null, plan: null };
    await emit({ type: 'invitation.created', entityId: row.id, organizationId: row.organizationId, payload });
  }

  // POST /users makes the user and its invitation: an account an administrator made without a password is invited to choose one.
  useCases.react(['user.created'], async (tx, event, { caller, emit }) => {
    const { source, email, withPassword, emailVerified } = event.payload;
    if (source !== 'admin' || withPassword || emailVerified || !event.entityId) return;
    await inviteToSetPassword(
      tx,
      emit,
      { userId: event.entityId, email, organizationId: event.organizationId ?? null },
      caller.principal?.userId ?? null,
    );
  });

  // An organization's pending invitations are withdrawn with it, each as its own cancellation, before the foreign
  // key's cascade removes them unheard: webhooks and the audit trail learn of every one.
  useCases.react(['organization.deleted'], async (tx, event, { emit }) => {
    if (!event.entityId) return;
    for (const row of await queries.cancelPendingOf(tx, event.entityId)) await cancellation(emit, row);
  });

  return {
    inviteToSetPassword,

    /** 201 with a new invitation; with `resend`, a pending one to the address is mailed again (200). */
    async create(caller: SignedInCaller, organizationId: string, body: CreateInvitation, options: { resend?: boolean } = {}) {
      await organizations.visible(caller, organizationId);
      const email = normalizeEmail(body.email);
      const { row, created } = await useCases.run(caller, async (tx, emit) => {
        const account = await kit.users.findByEmail(tx, email);
        if (account && (account.organizationId === organizationId || (await memberships.isMember(tx, organizationId, account.id)))) {
          throw organizationErrors.ALREADY_A_MEMBER();
        }
        const pending = await queries.findPendingFor(tx, organizationId, email);
        if (pending && !options.resend) throw errors.INVITATION_ALREADY_PENDING();
        if (pending) return { row: await resend(tx, emit, caller, pending), created: false };
        const grants = await deferredGrants.decide(tx, caller.principal, body);
        const { token, hash } = newToken();
        const inserted = await queries.insertInvitation(tx, {
          email,
          organizationId,
          invitedBy: caller.principal.userId,
          roleIds: grants.roles.map((role) => role.id),
          permissions: grants.permissions.map(({ id, expiresAt }) => ({ id, expiresAt })),
          userTypeId: body.userTypeId ?? null,
          plan: body.plan ?? null,
          message: body.message ?? null,
          tokenHash: hash,
          expiresAt: lifetimeFrom(new Date()),
        });
        // Another request invited the same address a moment ago.
        if (!inserted) throw errors.INVITATION_ALREADY_PENDING();
        await mails.invite(tx, inserted, token, await inviterName(tx, caller.principal.userId));
        await emit({
          type: 'invitation.created',
          entityId: inserted.id,
          organizationId,
          payload: {
            email,
            purpose: inserted.purpose,
            roles: grants.roles.map((role) => role.name),
            permissions: grants.permissions.map((permission) => permission.name),
            userTypeId: inserted.userTypeId,
            plan: inserted.plan,
          },
        });
        return { row: inserted, created: true };
      });
      return { invitation: invitationView(row), created };
    },

    /** Newest first, keyset-paged; an organization the caller may not see is a 404. */
    async list(caller: SignedInCaller, query: ListInvitations, organizationPath?: string) {
      if (organizationPath) await organizations.visible(caller, organizationPath);
      const tenant = tenantOf(caller.principal);
      const organizationId = organizationPath ?? tenant ?? query.organizationId;
      if (tenant && organizationId !== tenant) return { data: [], nextCursor: null };
      const limit = query.limit ?? 20;
      const email = query.email ? normalizeEmail(query.email) : undefined;
      const afterId = pagedById.after(query.cursor);
      const rows = await queries.listInvitations(
        await kit.context.reads.for(caller),
        { organizationId, status: query.status, email },
        limit,
        afterId,
      );
      return pagedById.page(rows, limit, invitationView);
    },

    get: async (caller: SignedInCaller, id: string) => invitationView(await visible(db, caller, id)),

    async resend(caller: SignedInCaller, id: string) {
      const row = await useCases.run(caller, async (tx, emit) => resend(tx, emit, caller, await visible(tx, caller, id)));
      return invitationView(row);
    },

    async cancel(caller: SignedInCaller, id: string) {
      await useCases.run(caller, async (tx, emit) => {
        const row = await visible(tx, caller, id);
        if (!(await queries.cancel(tx, row.id))) throw errors.INVITATION_NOT_PENDING();
        await cancellation(emit, row);
      });
    },
  };
}
