import { describe, expect, it } from 'vitest';
import { createSignInPipeline, type SignInAttempt } from './sign-in-pipeline.js';

/** Pending states per way in, as auth declares them: the invitation's route answers tokens only. */
interface Pending {
  password: { passwordChangeRequired: true } | { mfaRequired: true };
  invitation: never;
}
type Via = keyof Pending;
interface Person {
  id: string;
  temporary?: boolean;
  secondFactor?: boolean;
}

/** A pipeline whose "transaction" is a log of what ran, and whose finish answers a token for the person. */
function pipeline() {
  const ran: string[] = [];
  const signIn = createSignInPipeline<string[], Person, Pending, { token: string }>(async (log, person) => {
    log.push('finish');
    return { token: `token-for-${person.id}` };
  });
  const attempt = (via: Via): SignInAttempt<Via> => ({ via, amr: ['pwd'] });
  return { ran, signIn, attempt };
}

describe('sign-in pipeline', () => {
  it('runs every step that guards the way in, in order, then finishes', async () => {
    const { ran, signIn, attempt } = pipeline();
    for (const name of ['first', 'second']) {
      signIn.register({ name, via: ['password'], run: async (log) => void log.push(name) });
    }
    await expect(signIn.complete(ran, { id: 'u1' }, attempt('password'))).resolves.toEqual({ token: 'token-for-u1' });
    expect(ran).toEqual(['first', 'second', 'finish']);
  });

  it('stops at the first pending state: later steps and the finish do not run', async () => {
    const { ran, signIn, attempt } = pipeline();
    // A step that logs that it ran and answers its pending state when the person calls for it.
    const answering = <State>(name: string, calledFor: (person: Person) => boolean | undefined, state: State) => ({
      name,
      via: ['password'] as const,
      run: async (log: string[], person: Person) => {
        log.push(name);
        return calledFor(person) ? state : undefined;
      },
    });
    signIn.register(answering('passwordChange', (person) => person.temporary, { passwordChangeRequired: true as const }));
    signIn.register(answering('mfa', (person) => person.secondFactor, { mfaRequired: true as const }));
    const answer = await signIn.complete(ran, { id: 'u1', temporary: true, secondFactor: true }, attempt('password'));
    expect(answer).toEqual({ passwordChangeRequired: true });
    expect(ran).toEqual(['passwordChange']);
    // Once the password is replaced, the same sign-in meets the next step.
    ran.length = 0;
    expect(await signIn.complete(ran, { id: 'u1', secondFactor: true }, attempt('password'))).toEqual({ mfaRequired: true });
    expect(ran).toEqual(['passwordChange', 'mfa']);
  });

  it('skips a step that does not guard this way in', async () => {
    const { ran, signIn, attempt } = pipeline();
    signIn.register({ name: 'passwordChange', via: ['password'], run: async () => ({ passwordChangeRequired: true as const }) });
    signIn.register({ name: 'audit', via: ['password', 'invitation'], run: async (log) => void log.push('audit') });
    await expect(signIn.complete(ran, { id: 'u2' }, attempt('invitation'))).resolves.toEqual({ token: 'token-for-u2' });
    expect(ran).toEqual(['audit', 'finish']);
  });

  it('places a step before a named one, and refuses a duplicate name or an unknown place', () => {
    const { signIn } = pipeline();
    const step = (name: string) => ({ name, via: ['password'] as const, run: async () => undefined });
    signIn.register(step('passwordChange'));
    signIn.register(step('organizationChoice'));
    signIn.register(step('mfa'), { before: 'organizationChoice' });
    expect(signIn.order()).toEqual(['passwordChange', 'mfa', 'organizationChoice']);
    expect(() => signIn.register(step('mfa'))).toThrow(/already registered/);
    expect(() => signIn.register(step('mfaEnrollment'), { before: 'consent' })).toThrow(/no sign-in step named consent/);
    expect(signIn.order()).toEqual(['passwordChange', 'mfa', 'organizationChoice']);
  });

  it('does not let a step stop a sign-in whose route cannot answer a pending state', () => {
    const { signIn } = pipeline();
    signIn.register({
      name: 'mfa',
      via: ['password', 'invitation'],
      // @ts-expect-error the invitation's route answers tokens only: a pending state is not assignable
      run: async () => ({ mfaRequired: true as const }),
    });
    expect(signIn.order()).toEqual(['mfa']);
  });

  it('screens the leading steps before any transaction: a stop answers at once, a pass is not run again', async () => {
    const { ran, signIn, attempt } = pipeline();
    const screenedBy = (name: string, outcome: (person: Person) => 'pass' | 'undecided' | { stop: { mfaRequired: true } }) => ({
      name,
      via: ['password'] as const,
      run: async (log: string[]) => void log.push(`run ${name}`),
      screen: async (log: string[], person: Person) => {
        log.push(`screen ${name}`);
        return outcome(person);
      },
    });
    signIn.register(screenedBy('mfa', (person) => (person.secondFactor ? { stop: { mfaRequired: true as const } } : 'pass')));
    signIn.register(screenedBy('organizationChoice', () => 'undecided'));
    signIn.register({ name: 'passwordChange', via: ['password'], run: async (log) => void log.push('run passwordChange') });

    expect(await signIn.screen(ran, { id: 'u1', secondFactor: true }, attempt('password'))).toEqual({ stop: { mfaRequired: true } });
    expect(ran).toEqual(['screen mfa']);

    ran.length = 0;
    const screened = await signIn.screen(ran, { id: 'u2' }, attempt('password'));
    expect(screened).toEqual({ passed: ['mfa'] });
    await signIn.complete(ran, { id: 'u2' }, attempt('password'), 'passed' in screened ? screened.passed : []);
    expect(ran).toEqual(['screen mfa', 'screen organizationChoice', 'run organizationChoice', 'run passwordChange', 'finish']);
  });

  it('ends the screening at the first step with no screen: a later step never decides ahead of it', async () => {
    const { ran, signIn, attempt } = pipeline();
    signIn.register({ name: 'passwordChange', via: ['password'], run: async () => undefined });
    signIn.register({
      name: 'mfa',
      via: ['password'],
      run: async () => undefined,
      screen: async (log: string[]) => {
        log.push('screen mfa');
        return { stop: { mfaRequired: true as const } };
      },
    });
    expect(await signIn.screen(ran, { id: 'u1' }, attempt('password'))).toEqual({ passed: [] });
    expect(ran).toEqual([]);
  });
});
