import { useQuery } from '@tanstack/react-query';
import type { paths } from '@tessera/client';
import { type ChangeEvent, useState } from 'react';
import { api, describeProblem, must } from '../../app/client.js';
import { ErrorNote, LiveStatus, Page } from '../../ui/parts.js';

type Job = paths['/users/import/jobs/{id}']['get']['responses'][200]['content']['application/json'];
type Report = NonNullable<Job['summary']>;

/** The file as the request body (not JSON): the typed client's fetch is given it as is. */
const asUpload = (file: File) => ({
  body: file as never,
  bodySerializer: (body: unknown) => body as File,
  headers: { 'content-type': file.name.endsWith('.csv') ? 'text/csv' : 'application/x-ndjson' },
});

/**
 * Upload a JSON Lines or CSV file: a dry run first lists each invalid line, then the import runs in the
 * background with its progress shown until the summary.
 */
export default function ImportPage() {
  const [file, setFile] = useState<File>();
  const [dryRun, setDryRun] = useState<Report>();
  const [jobId, setJobId] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [invite, setInvite] = useState(true);
  const job = useQuery({
    queryKey: ['import-job', jobId],
    enabled: Boolean(jobId),
    queryFn: () => must(api.GET('/users/import/jobs/{id}', { params: { path: { id: jobId as string } } })),
    refetchInterval: (query) => (query.state.data?.status === 'running' || !query.state.data ? 500 : false),
  });

  async function check() {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setJobId(undefined);
    const { data, error: failure } = await api.POST('/users/import', { params: { query: { dryRun: true, invite } }, ...asUpload(file) });
    setBusy(false);
    setDryRun(data);
    if (failure) setError(describeProblem(failure));
  }

  async function start() {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    const { data, error: failure } = await api.POST('/users/import/jobs', { params: { query: { invite } }, ...asUpload(file) });
    setBusy(false);
    if (data) setJobId(data.id);
    else setError(describeProblem(failure));
  }

  const running = job.data?.status === 'running' || (jobId !== undefined && !job.data);
  return (
    <Page title="Import users">
      <div className="stack narrow">
        <label>
          File (JSON Lines or CSV)
          <input
            type="file"
            accept=".jsonl,.ndjson,.csv"
            onChange={(event: ChangeEvent<HTMLInputElement>) => {
              setFile(event.target.files?.[0]);
              setDryRun(undefined);
              setJobId(undefined);
            }}
          />
        </label>
        <label className="inline">
          <input type="checkbox" checked={invite} onChange={(event) => setInvite(event.target.checked)} /> Invite imported users without a
          password
        </label>
        <div className="actions">
          <button type="button" disabled={!file || busy || running} onClick={check}>
            Dry run
          </button>
          <button
            type="button"
            className="primary"
            disabled={!file || busy || running || !dryRun || dryRun.failed > 0 || jobId !== undefined}
            onClick={start}
          >
            Import
          </button>
        </div>
        {busy && <LiveStatus>Uploading…</LiveStatus>}
        <ErrorNote error={error ?? job.error} />
        {job.data && <Progress job={job.data} />}
        {job.data?.summary && <Summary report={job.data.summary} />}
        {!jobId && dryRun && <Summary report={dryRun} />}
      </div>
    </Page>
  );
}

function Progress({ job }: { job: Job }) {
  const label = job.phase === 'importing' ? 'Writing users' : job.phase === 'checking' ? 'Checking lines' : 'Finished';
  return (
    <div className="stack">
      <label>
        {label}: {job.done} of {job.total}
        <progress max={job.total || 1} value={job.status === 'running' ? job.done : job.total || 1} />
      </label>
      <LiveStatus>
        {job.status === 'running' ? `${label}…` : job.status === 'done' ? 'The import has finished.' : `The import failed: ${job.error}`}
      </LiveStatus>
    </div>
  );
}

function Summary({ report }: { report: Report }) {
  const verb = report.dryRun ? 'Dry run' : report.rejected ? 'Nothing imported: the file has invalid lines' : 'Imported';
  return (
    <div>
      <h2>{verb}</h2>
      <p>
        {report.created} {report.dryRun ? 'to create' : 'created'}, {report.updated} {report.dryRun ? 'to update' : 'updated'},{' '}
        {report.skipped} skipped, {report.failed} invalid or failed, {report.invited} invited.
      </p>
      {report.errors.length > 0 && (
        <ul className="list" aria-label="Invalid lines">
          {report.errors.map((line) => (
            <li key={`${line.line}:${line.field}`}>
              Line {line.line}, {line.field}: {line.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
