import type { AccessService } from '../access/service.js';
import type { LearningService } from '../learning/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import type { UsersService } from '../users/service.js';

/**
 * What an import reads and writes, each through the module that owns the tables: accounts and profiles
 * (users), role grants and the names of user types and roles (access), organization slugs, and
 * learning records; every write set-based, in the batch's transaction.
 */
export interface ImportOwners {
  users: Pick<
    UsersService,
    'withEmails' | 'holdersOf' | 'createImported' | 'overwrite' | 'saveProfile' | 'assertMayRemove' | 'assertIdentifierChangesAllowed'
  >;
  access: Pick<AccessService, 'catalogNames' | 'grantRolesInBulk'>;
  organizations: Pick<OrganizationsService, 'slugs'>;
  learning: Pick<LearningService, 'imports'>;
}

export type ExistingUser = Awaited<ReturnType<UsersService['withEmails']>>[number];
