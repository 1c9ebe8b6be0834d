import type { Config } from '../config.js';
import type { ProgressReporter } from '../db/backup.js';
import type { Database } from '../db/client.js';
import type { Modules } from '../modules/index.js';

/** Where a command's output goes: this terminal, or the control channel back to the CLI that asked. */
export interface CommandIo {
  out(line: string): void;
  err(text: string): void;
  progress(): ProgressReporter;
}

/** What a command runs on: the CLI's own database, or the running server's. */
export interface CommandRuntime {
  database: Database;
  config: Config;
  /** The API's use cases; `tellOtherNodes: false` where no other node needs to hear of the change. */
  withModules<T>(fn: (modules: Modules) => Promise<T>, options?: { tellOtherNodes: boolean }): Promise<T>;
  io: CommandIo;
  /** Aborted (its reason an `Interrupted`) when the operator interrupts a stoppable command running in the CLI's own process. */
  stop?: AbortSignal;
}
