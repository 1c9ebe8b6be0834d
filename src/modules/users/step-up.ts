import type { SignedInCaller } from '../../platform/caller.js';
import type * as queries from './queries.js';

/**
 * Whether the person acting on their own account proved just now that it is them: `currentPassword` when
 * they gave one (each try counted toward the sign-in throttle: 429 while it holds), else a sign-in recent enough
 * (with their second factor, when they have one). The auth and mfa modules answer (they hold sessions, password
 * formats, the throttle and factors); until they register, nobody has.
 */
export type StepUpCheck = (
  caller: SignedInCaller,
  user: queries.UserRow,
  currentPassword: string | undefined,
) => Promise<'ok' | 'required' | 'wrong'>;

export function createStepUp() {
  let check: StepUpCheck = async () => 'required';
  return {
    register(next: StepUpCheck) {
      check = next;
    },
    verdict: (caller: SignedInCaller, user: queries.UserRow, currentPassword: string | undefined) => check(caller, user, currentPassword),
  };
}

export type StepUp = ReturnType<typeof createStepUp>;
