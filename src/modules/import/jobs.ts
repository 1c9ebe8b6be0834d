import { randomUUID } from 'node:crypto';
import type { ProgressReporter } from '../../db/backup.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import type { SharedState } from '../../platform/shared-state.js';
import { importErrors as errors } from './errors.js';
import type { ImportFormat } from './reader.js';
import type { ImportJobView, ImportOptions, ImportSummary } from './schemas.js';

/** A finished import's report stays readable this long (and a node that died mid-import lets its job expire). */
const JOB_TTL_MS = 3_600_000;
/** Progress is written at most this often: checking advances line by line. */
const WRITE_EVERY_MS = 250;

type StoredJob = ImportJobView & { ownerId: string };
/** The import itself (the import service's importFile). */
type ImportFile = (
  caller: Caller,
  path: string,
  options: ImportOptions,
  progress: ProgressReporter,
  format: ImportFormat,
) => Promise<ImportSummary>;

const view = ({ ownerId: _ownerId, ...job }: StoredJob): ImportJobView => ({ ...job });

/**
 * Imports that run after their upload was answered (202), for a page that shows progress. The job's state
 * lives in the shared state (Redis when configured), so any node answers its progress; only the person
 * who started it reads it.
 */
export function createImportJobs(state: SharedState, importFile: ImportFile) {
  const key = (id: string) => `import-job:${id}`;
  const save = (job: StoredJob) => state.set(key(job.id), JSON.stringify(job), JOB_TTL_MS);

  /** Progress of the phases importFile reports, written to the job now and then. */
  function reporterFor(job: StoredJob): ProgressReporter {
    let written = 0;
    const write = (force = false) => {
      if (!force && Date.now() - written < WRITE_EVERY_MS) return;
      written = Date.now();
      save(job).catch(() => undefined);
    };
    return {
      start(label, total) {
        job.phase = label === 'importing' ? 'importing' : 'checking';
        job.done = 0;
        job.total = total;
        write(true);
      },
      advance(count) {
        job.done += count;
        write();
      },
      stop() {
        job.done = job.total;
        write(true);
      },
    };
  }

  return {
    /**
     * Starts importing a file already on disk; `cleanup` runs when it ends, `onFailure` gets an error that
     * stopped it (the person sees only that it failed).
     */
    async start(
      caller: SignedInCaller,
      file: { path: string; format: ImportFormat },
      options: ImportOptions,
      cleanup: () => Promise<void>,
      onFailure: (error: unknown) => void,
    ): Promise<ImportJobView> {
      const job: StoredJob = {
        id: randomUUID(),
        status: 'running',
        phase: 'checking',
        done: 0,
        total: 0,
        summary: null,
        error: null,
        ownerId: caller.principal.userId,
      };
      await save(job);
      importFile(caller, file.path, options, reporterFor(job), file.format)
        .then((summary) => Object.assign(job, { status: 'done', summary }))
        .catch((error: unknown) => {
          onFailure(error);
          Object.assign(job, {
            status: 'failed',
            error: 'The import stopped on a server error; nothing after the last finished batch was written.',
          });
        })
        .finally(async () => {
          job.phase = null;
          await save(job).catch(() => undefined);
          await cleanup();
        });
      return view(job);
    },

    async get(caller: SignedInCaller, id: string): Promise<ImportJobView> {
      const raw = await state.get(key(id));
      const job = raw ? (JSON.parse(raw) as StoredJob) : undefined;
      if (!job || job.ownerId !== caller.principal.userId) throw errors.IMPORT_NOT_FOUND();
      return view(job);
    },
  };
}

export type ImportJobs = ReturnType<typeof createImportJobs>;
