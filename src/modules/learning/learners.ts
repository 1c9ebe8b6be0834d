import type { Executor } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { DomainUseCases } from '../events.js';
import type { UsersService } from '../users/service.js';

/** What learning needs of the modules wired before it. */
export interface LearningDeps {
  useCases: DomainUseCases;
  users: Pick<UsersService, 'visibleUser' | 'registerExportPart' | 'registerLearningRecords'>;
}

/** The learner a request is about. */
export function createLearners({ useCases, users }: LearningDeps) {
  return {
    useCases,
    /** `:id` (or `me`) as the caller may see it; another organization's user is USER_NOT_FOUND, like a missing one. */
    async find(executor: Executor, caller: SignedInCaller, id: string) {
      const user = await users.visibleUser(executor, caller.principal, id);
      return { id: user.id, organizationId: user.organizationId, self: user.id === caller.principal.userId };
    },
  };
}

export type Learners = ReturnType<typeof createLearners>;
