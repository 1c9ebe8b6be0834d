import type { Executor } from '../../db/client.js';
import type { Principal } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import type { AccessService } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import type { UserCreated } from './events.js';
import * as queries from './queries.js';
import { normalizeEmail } from './records.js';

/** How a person came to have an account: the `source` of `user.created`. */
export type UserSource = UserCreated['source'];

/** Roles a new account starts with: the preset's default (or the named ones, as `by` may grant), the super-admin role, or none yet. */
export type InitialRoles = { names?: string[]; by?: Principal } | 'super-admin' | 'none';

/** A new account: who it is, how it came, and what it starts with. */
export interface NewAccount {
  source: UserSource;
  email: string;
  passwordHash?: string | null;
  /** The password is temporary: the first sign-in must replace it. */
  passwordChangeRequired?: boolean;
  /** The address is proven already (a mailed invitation, a verifying provider, `tessera create-admin`). */
  emailVerified?: boolean;
  firstName?: string;
  lastName?: string;
  username?: string | null;
  phone?: string | null;
  /** The phone number is proven already (an administrator says so; there is no SMS check yet). */
  phoneVerified?: boolean;
  organizationId?: string | null;
  userTypeId?: string | null;
  /** The picture a provider had; the language the person signed up in (their mails speak it). */
  profile?: { avatarUrl?: string | null; language?: string };
  roles: InitialRoles;
  /** The audit trail's shorthand for the two ways an account arrives ready to use. */
  via?: UserCreated['via'];
}

/** An imported account with its profile, written in bulk (its id chosen by the importer). */
export interface ImportedAccount {
  user: queries.NewUser & { id: string };
  profile?: Omit<queries.NewProfile, 'userId'>;
}

/**
 * The one way a person comes to have an account, whatever the way in (an administrator, a sign-up, an
 * invitation, an identity provider, an import): the account and its profile, its first roles, and one
 * `user.created { source }` in the caller's transaction. An address or username already taken fails
 * with the unique violation (a caller that expects the race runs this in a savepoint).
 */
export function createAccounts(access: Pick<AccessService, 'grantInitialRoles' | 'grantSuperAdmin'>) {
  async function grant(tx: Executor, user: queries.UserRow, roles: InitialRoles) {
    if (roles === 'none') return [];
    if (roles === 'super-admin') return [await access.grantSuperAdmin(tx, user.id)];
    return access.grantInitialRoles(tx, user.id, roles.by, roles.names, user.organizationId);
  }

  return {
    async create(tx: Executor, emit: Emit<DomainEvent>, account: NewAccount): Promise<{ user: queries.UserRow; roles: string[] }> {
      const passwordHash = account.passwordHash ?? null;
      const user = await queries.insertUserWithProfile(
        tx,
        {
          email: normalizeEmail(account.email),
          passwordHash,
          passwordChangeRequired: passwordHash !== null && account.passwordChangeRequired === true,
          firstName: account.firstName ?? '',
          lastName: account.lastName ?? '',
          username: account.username ?? null,
          phone: account.phone ?? null,
          organizationId: account.organizationId ?? null,
          userTypeId: account.userTypeId ?? null,
          status: 'ACTIVE',
          emailVerifiedAt: account.emailVerified ? new Date() : null,
          phoneVerifiedAt: account.phone && account.phoneVerified ? new Date() : null,
        },
        account.profile,
      );
      const roles = await grant(tx, user, account.roles);
      // Someone who made their own account is its actor; an administrator's or the system's is the caller.
      const self = account.source === 'registration' || account.source === 'invitation' || account.source === 'federation';
      await emit({
        type: 'user.created',
        entityId: user.id,
        organizationId: user.organizationId,
        ...(self ? { actorId: user.id } : {}),
        payload: {
          source: account.source,
          email: user.email,
          roles,
          withPassword: passwordHash !== null,
          emailVerified: user.emailVerifiedAt !== null,
          ...(account.via ? { via: account.via } : {}),
          ...(user.passwordChangeRequired ? { temporaryPassword: true } : {}),
        },
      });
      return { user, roles };
    },

    /**
     * An import's batch of new accounts, set-based (one statement per table). The importer's one
     * `users.imported` per batch names them: a hundred thousand `user.created` rows would outweigh the users.
     */
    async createImported(tx: Executor, accounts: ImportedAccount[]) {
      await queries.insertUsers(
        tx,
        accounts.map(({ user }) => user),
      );
      await queries.insertProfiles(
        tx,
        accounts.map(({ user, profile }) => ({ ...profile, userId: user.id })),
      );
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
