/**
 * The steps between "identity proven" and "tokens issued". Every way in (password, passkey, federation,
 * invitation, a temporary password's replacement) ends in one `complete`, which runs the registered
 * steps in order: each lets the sign-in continue or stops it with a pending state (a password change
 * today; a second factor, its enrolment and an organization choice next) that a single-use continuation
 * token resumes. Pure: the database, tokens and events come in through the steps and `finish`.
 */

/** What a sign-in came through, and how the user proved who they are (RFC 8176 names: `pwd`, `fed` …). */
export interface SignInAttempt<Via extends string> {
  via: Via;
  amr: string[];
}

/** Intersects the pending states of several ways in: a step guarding two answers only what both accept. */
type AllOf<Map, Via extends keyof Map> = { [K in Via]: (state: Map[K]) => void }[Via] extends (state: infer Every) => void ? Every : never;

/**
 * One step. `PendingByVia` names, per way in, the pending states its answer may carry (`never` where the
 * route answers tokens only), so a step that could stop a sign-in whose route cannot say so does not compile.
 */
export interface SignInStep<Tx, Identity, Attempt, PendingByVia, Via extends keyof PendingByVia> {
  /** Unique; what another step is placed before. */
  name: string;
  /** The ways in this step guards. */
  via: readonly Via[];
  /** A pending state stops the sign-in here; undefined lets it continue. */
  run(tx: Tx, identity: Identity, attempt: Attempt): Promise<AllOf<PendingByVia, Via> | undefined>;
  /**
   * Decides before the sign-in opens a transaction, where it can (`screen`): `stop` ends the sign-in with that
   * pending state, which the step recorded itself, with no transaction at all; `pass` lets it continue and
   * `run` is skipped; `undecided` leaves the step to `run` in the transaction.
   */
  screen?(db: Tx, identity: Identity, attempt: Screening<Attempt>): Promise<Screened<AllOf<PendingByVia, Via>>>;
}

/** An attempt before its transaction: no use case is open to emit into yet. */
export type Screening<Attempt> = Omit<Attempt, 'emit'>;
export type Screened<Pending> = { stop: Pending } | 'pass' | 'undecided';

interface RegisteredStep<Tx, Identity, Attempt> {
  name: string;
  via: readonly unknown[];
  run(tx: Tx, identity: Identity, attempt: Attempt): Promise<unknown>;
  screen?(db: Tx, identity: Identity, attempt: Screening<Attempt>): Promise<Screened<unknown>>;
}

export function createSignInPipeline<
  Tx,
  Identity,
  PendingByVia,
  Done,
  Attempt extends SignInAttempt<keyof PendingByVia & string> = SignInAttempt<keyof PendingByVia & string>,
>(finish: (tx: Tx, identity: Identity, attempt: Attempt) => Promise<Done>) {
  const steps: RegisteredStep<Tx, Identity, Attempt>[] = [];

  function positionOf(name: string) {
    const index = steps.findIndex((step) => step.name === name);
    if (index < 0) throw new Error(`no sign-in step named ${name}`);
    return index;
  }

  return {
    /** Adds a step at the end, or before the named one (a second factor goes before an organization choice). */
    register<Via extends keyof PendingByVia & string>(
      step: SignInStep<Tx, Identity, Attempt, PendingByVia, Via>,
      placement?: { before: string },
    ) {
      if (steps.some((known) => known.name === step.name)) throw new Error(`sign-in step ${step.name} is already registered`);
      steps.splice(placement ? positionOf(placement.before) : steps.length, 0, step);
    },

    /** The steps' names in the order they run. */
    order: () => steps.map((step) => step.name),

    /**
     * The leading steps' screens, in order, before any transaction: a step's `stop` is the answer; otherwise
     * the names of the steps that passed, for `complete` to skip. The first step with no screen, or undecided,
     * ends the screening (a later step never decides ahead of an earlier one).
     */
    async screen<Via extends Attempt['via']>(
      db: Tx,
      identity: Identity,
      attempt: Screening<Attempt> & { via: Via },
    ): Promise<{ stop: PendingByVia[Via] } | { passed: string[] }> {
      const passed: string[] = [];
      for (const step of steps) {
        if (!step.via.includes(attempt.via)) continue;
        const screened = step.screen ? await step.screen(db, identity, attempt) : 'undecided';
        if (screened === 'undecided') break;
        if (screened !== 'pass') return screened as { stop: PendingByVia[Via] };
        passed.push(step.name);
      }
      return { passed };
    },

    /**
     * Runs the steps that guard this way in, in order, but those `passed` at the screening; the first pending
     * state is the answer, else `finish`'s.
     */
    async complete<Via extends Attempt['via']>(
      tx: Tx,
      identity: Identity,
      attempt: Attempt & { via: Via },
      passed: readonly string[] = [],
    ): Promise<Done | PendingByVia[Via]> {
      for (const step of steps) {
        if (!step.via.includes(attempt.via) || passed.includes(step.name)) continue;
        const pending = await step.run(tx, identity, attempt);
        if (pending !== undefined) return pending as PendingByVia[Via];
      }
      return finish(tx, identity, attempt);
    },
  };
}
