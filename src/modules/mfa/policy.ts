import type { Executor } from '../../db/client.js';
import { cachedAccessProfile, EVERYWHERE } from '../access/service.js';
import type { UserRow } from '../users/service.js';
import type { MfaKit } from './deps.js';

export type MfaPolicy = 'off' | 'optional' | 'required_for_admins' | 'required';

/** Administrators, for `required_for_admins`: whoever holds a permission that changes others' data or access. */
const ADMIN_PERMISSION = /:(write|manage|delete|suspend|export|all)$/;

/** The policy a person is under: their organization's own, else the deployment's MFA_POLICY. */
export async function policyOf(kit: MfaKit, db: Executor, user: Pick<UserRow, 'organizationId'>): Promise<MfaPolicy> {
  const own = await kit.organizations.mfaPolicyOf(db, user.organizationId);
  return (own as MfaPolicy | null) ?? kit.context.config.MFA_POLICY;
}

/** Whether this person must have a second factor before they may have a session. */
export async function mustEnrol(kit: MfaKit, db: Executor, user: Pick<UserRow, 'id' | 'organizationId'>, policy: MfaPolicy) {
  if (policy === 'required') return true;
  if (policy !== 'required_for_admins') return false;
  // An administrator anywhere (any organization, or platform-wide) counts.
  const profile = await cachedAccessProfile(kit.context, db, user.id, EVERYWHERE);
  return profile.crossTenant || profile.permissions.some((permission) => ADMIN_PERMISSION.test(permission));
}
