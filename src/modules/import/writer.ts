import { v7 as uuidv7 } from 'uuid';
import type { Executor } from '../../db/client.js';
import type { Emit } from '../../platform/use-case.js';
import { platformRoleIds } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import type { InvitationsService } from '../invitations/service.js';
import { memberships } from '../organizations/service.js';
import type { ExistingUser, ImportOwners } from './owners.js';
import type { LineError } from './schemas.js';
import type { Catalog, ImportUser } from './validate.js';

export interface BatchResult {
  created: number;
  updated: number;
  skipped: number;
  invited: number;
  /** Lines whose address another organization's account holds: the actor can neither make nor change it. */
  refused: LineError[];
}

type UserStatus = ExistingUser['status'];

const today = () => new Date().toISOString().slice(0, 10);

/** What a line sets on the account itself, made or overwritten (an INACTIVE user is a soft-deleted one). */
const accountFields = (user: ImportUser, status: UserStatus, now: Date) => ({
  username: user.username,
  phone: user.phone,
  phoneVerifiedAt: user.phoneVerified ? now : null,
  firstName: user.firstName,
  lastName: user.lastName,
  status,
  deletedAt: status === 'INACTIVE' ? now : null,
  organizationId: user.organizationId,
  userTypeId: user.userTypeId,
});

/** The event of a status a file changes, as the single-user routes emit it (auth ends sessions on the ending ones). */
function statusEvent(before: UserStatus, after: UserStatus) {
  if (after === 'SUSPENDED') return 'user.suspended';
  if (after === 'INACTIVE') return 'user.deactivated';
  if (after === 'ACTIVE') return before === 'INACTIVE' ? 'user.restored' : 'user.activated';
  return 'user.updated';
}

/**
 * A user's own rows beside the account: profile (always), preferences, skills, goals, and roles held within
 * the user's organization (platform roles platform-wide).
 */
function ownRows(user: ImportUser, userId: string, platform: ReadonlySet<string>) {
  return {
    preferences: user.preferences ? { ...user.preferences, userId } : undefined,
    skills: user.skills.map((skill) => ({ ...skill, userId })),
    goals: user.goals.map((goal) => ({ ...goal, userId, startDate: goal.startDate ?? today() })),
    roles: user.roleIds.map((roleId) => ({ userId, roleId, organizationId: platform.has(roleId) ? null : user.organizationId })),
  };
}

/** Each imported person placed in an organization is a member of it (an update adds the membership, keeping others). */
const membershipsOf = (placed: { user: ImportUser; id: string }[], invitedBy: string | null) =>
  placed.flatMap(({ user, id }) => (user.organizationId ? [{ organizationId: user.organizationId, userId: id, invitedBy }] : []));

/**
 * Writes one batch of valid users in the caller's transaction: new ones in one statement per table,
 * existing ones overwritten (`update`) or left alone, and an address held by an account the actor
 * cannot see refused (as POST /users refuses a taken address). Returns what it did; the batch commits whole.
 */
export async function writeBatch(
  tx: Executor,
  emit: Emit<DomainEvent>,
  batch: ImportUser[],
  options: {
    update: boolean;
    invite: boolean;
    invitedBy: string | null;
    invitations: InvitationsService;
    owners: ImportOwners;
    sees: Catalog['sees'];
    updateRefused: Catalog['updateRefused'];
  },
): Promise<BatchResult> {
  const { users, access, learning } = options.owners;
  const found = await users.withEmails(
    tx,
    batch.map((user) => user.email),
  );
  const unseen = new Set(found.filter((row) => !options.sees(row.organizationId)).map((row) => row.email));
  const existing = new Map(found.filter((row) => !unseen.has(row.email)).map((row) => [row.email, row]));
  const refused: LineError[] = batch
    .filter((user) => unseen.has(user.email))
    .map((user) => ({ line: user.line, field: 'email', message: 'is taken by another account' }));
  const now = new Date();
  const created = batch
    .filter((user) => !existing.has(user.email) && !unseen.has(user.email))
    .map((user) => ({ user, id: uuidv7({ msecs: (user.createdAt ?? now).getTime() }) }));
  // The check read the accounts before this batch's transaction: one suspended, given more access or made at the line's
  // address since is held to the single-user routes' rules again, as it is now.
  const updated: ImportUser[] = [];
  for (const user of options.update ? batch : []) {
    const account = existing.get(user.email);
    if (!account) continue;
    const refusal = await options.updateRefused(account, user, tx);
    if (refusal) refused.push({ line: user.line, field: 'email', message: refusal });
    else updated.push(user);
  }

  await users.createImported(
    tx,
    created.map(({ user, id }) => ({
      user: {
        id,
        email: user.email,
        ...accountFields(user, user.status ?? 'ACTIVE', now),
        passwordHash: user.passwordHash,
        emailVerifiedAt: user.emailVerified ? now : null,
        createdAt: user.createdAt ?? now,
        updatedAt: now,
      },
      profile: user.profile,
    })),
  );
  const platform = await platformRoleIds(tx, [...new Set(batch.flatMap((user) => user.roleIds))]);
  await memberships.ensure(tx, membershipsOf(created, options.invitedBy));
  const rows = created.map(({ user, id }) => ownRows(user, id, platform));
  await access.grantRolesInBulk(
    tx,
    rows.flatMap((row) => row.roles),
  );
  await learning.imports.insertPreferences(
    tx,
    rows.flatMap((row) => (row.preferences ? [row.preferences] : [])),
  );
  await learning.imports.addSkills(
    tx,
    rows.flatMap((row) => row.skills),
  );
  await learning.imports.insertGoals(
    tx,
    rows.flatMap((row) => row.goals),
  );

  const updatedIds = await updateExisting(tx, emit, updated, existing, options.owners, platform);
  await memberships.ensure(
    tx,
    membershipsOf(
      updated.map((user, index) => ({ user, id: updatedIds[index] as string })),
      options.invitedBy,
    ),
  );
  const toInvite = [
    ...created.filter(({ user }) => !user.passwordHash).map(({ user, id }) => ({ user, id })),
    ...updated
      .filter((user) => !user.passwordHash && !existing.get(user.email)?.passwordHash)
      .map((user) => ({ user, id: existing.get(user.email)?.id as string })),
  ];
  if (options.invite) {
    for (const { user, id } of toInvite) {
      await options.invitations.inviteToSetPassword(
        tx,
        emit,
        { userId: id, email: user.email, organizationId: user.organizationId },
        options.invitedBy,
      );
    }
  }
  const result = {
    created: created.length,
    updated: updated.length,
    skipped: batch.length - created.length - updated.length - refused.length,
    invited: options.invite ? toInvite.length : 0,
    refused,
  };
  if (created.length + updated.length > 0) {
    const payload = {
      created: result.created,
      updated: result.updated,
      invited: result.invited,
      userIds: [...created.map(({ id }) => id), ...updatedIds],
    };
    await emit({ type: 'users.imported', entityId: null, payload });
  }
  return result;
}

/** `update`: the account's fields, profile and preferences are overwritten; roles, skills and goals not there yet are added. */
async function updateExisting(
  tx: Executor,
  emit: Emit<DomainEvent>,
  updated: ImportUser[],
  existing: Map<string, ExistingUser>,
  { users, access, learning }: ImportOwners,
  platform: ReadonlySet<string>,
) {
  const ids = updated.map((user) => existing.get(user.email)?.id as string);
  const titles = new Set((await learning.imports.goalTitles(tx, ids)).map((row) => `${row.userId} ${row.title}`));
  for (const [index, user] of updated.entries()) {
    const id = ids[index] as string;
    const before = existing.get(user.email) as ExistingUser;
    const status = user.status ?? before.status;
    await users.overwrite(tx, id, {
      ...accountFields(user, status, new Date()),
      // A password set (or migrated) since the first import is the user's: an old hash never replaces it.
      ...(before?.passwordHash ? {} : { passwordHash: user.passwordHash }),
    });
    if (user.profile && Object.keys(user.profile).length > 0) await users.saveProfile(tx, id, user.profile);
    const rows = ownRows(user, id, platform);
    if (rows.preferences) await learning.imports.savePreferences(tx, id, rows.preferences);
    await access.grantRolesInBulk(tx, rows.roles);
    await learning.imports.addSkills(tx, rows.skills);
    await learning.imports.insertGoals(
      tx,
      rows.goals.filter((goal) => !titles.has(`${id} ${goal.title}`)),
    );
    // A status the file changes is recorded as the API records it; a user it suspends or deactivates loses their
    // sessions (auth reacts to these events).
    if (status !== before.status) {
      const changes = { status: { before: before.status, after: status } };
      const type = statusEvent(before.status, status);
      await emit({ type, entityId: id, organizationId: user.organizationId ?? before.organizationId, payload: { changes } });
    }
  }
  return ids;
}
