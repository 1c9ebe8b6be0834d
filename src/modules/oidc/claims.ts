import type { Account } from 'oidc-provider';
import type { AppContext } from '../../context.js';
import { cachedAccessProfile } from '../access/service.js';
import { memberships, type OrganizationsService } from '../organizations/service.js';
import type { UsersService } from '../users/service.js';

/** Which claims each scope releases (oidc-provider filters what `claims()` answers by the granted scopes). */
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale', 'zoneinfo', 'updated_at'],
  phone: ['phone_number', 'phone_number_verified'],
  // Tessera's own: the roles and permissions of the person in their active organization, and that organization.
  roles: ['roles', 'permissions'],
  organization: ['organization'],
};

const absolute = (url: string | null | undefined, base: string) => (url ? new URL(url, base).href : undefined);

/**
 * The provider's view of a person: found only while they may sign in (an account that is suspended,
 * deactivated or gone is "not found", so no flow completes and no token is issued for it).
 */
export function createAccountFinder(
  context: AppContext,
  organizations: OrganizationsService,
  users: Pick<UsersService, 'findById' | 'findProfile'>,
) {
  const db = context.database.primary;
  return async function findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
    const user = await users.findById(db, sub);
    if (user?.status !== 'ACTIVE') return undefined;
    return {
      accountId: user.id,
      async claims() {
        const [profile, access, organization] = await Promise.all([
          users.findProfile(db, user.id),
          // Roles and permissions of the organization the person signs in to (their default one), while that
          // membership is in force.
          memberships.defaultScope(db, user).then((scope) => cachedAccessProfile(context, db, user.id, scope)),
          organizations.summary(db, user.organizationId),
        ]);
        const name = `${user.firstName} ${user.lastName}`.trim();
        return {
          sub: user.id,
          email: user.email,
          email_verified: user.emailVerifiedAt !== null,
          name: name || undefined,
          given_name: user.firstName || undefined,
          family_name: user.lastName || undefined,
          preferred_username: user.username ?? undefined,
          picture: absolute(profile?.avatarUrl, context.config.PUBLIC_URL),
          locale: profile?.language,
          zoneinfo: profile?.timezone,
          updated_at: Math.floor(user.updatedAt.getTime() / 1000),
          phone_number: user.phone ?? undefined,
          phone_number_verified: user.phone ? user.phoneVerifiedAt !== null : undefined,
          roles: access.roles,
          permissions: access.permissions,
          organization: organization ?? undefined,
        };
      },
    };
  };
}
