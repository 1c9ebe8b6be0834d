import { type ChangeEvent, useState } from 'react';
import { describeProblem, tessera } from '../../app/client.js';
import { ErrorNote, LiveStatus, Page } from '../../ui/parts.js';

interface Report {
  dryRun: boolean;
  rejected: boolean;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  invited: number;
  errors: { line: number; field: string; message: string }[];
}

/** Upload a JSON Lines or CSV file: a dry run first lists each invalid line, then the import itself. */
export default function ImportPage() {
  const [file, setFile] = useState<File>();
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [invite, setInvite] = useState(true);

  async function run(dryRun: boolean) {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    const type = file.name.endsWith('.csv') ? 'text/csv' : 'application/x-ndjson';
    // The body is the file itself (not JSON), so the typed client's fetch is given it as is.
    const { data, error: failure } = await tessera.api.POST('/users/import', {
      params: { query: { dryRun, invite, skipInvalid: !dryRun } },
      body: (await file.text()) as never,
      bodySerializer: (body: unknown) => body as string,
      headers: { 'content-type': type },
    });
    setBusy(false);
    if (data) setReport(data as Report);
    else {
      setReport((failure as { report?: Report } | undefined)?.report);
      setError(describeProblem(failure));
    }
  }

  return (
    <Page title="Import users">
      <div className="stack narrow">
        <label>
          File (JSON Lines or CSV)
          <input
            type="file"
            accept=".jsonl,.ndjson,.csv"
            onChange={(event: ChangeEvent<HTMLInputElement>) => setFile(event.target.files?.[0])}
          />
        </label>
        <label className="inline">
          <input type="checkbox" checked={invite} onChange={(event) => setInvite(event.target.checked)} /> Invite imported users without a
          password
        </label>
        <div className="actions">
          <button type="button" disabled={!file || busy} onClick={() => run(true)}>
            Dry run
          </button>
          <button
            type="button"
            className="primary"
            disabled={!file || busy || !report?.dryRun || report.failed > 0}
            onClick={() => run(false)}
          >
            Import
          </button>
        </div>
        {busy && <LiveStatus>Working…</LiveStatus>}
        <ErrorNote error={error} />
        {report && (
          <div role="status" aria-live="polite">
            <h2>{report.dryRun ? 'Dry run' : 'Imported'}</h2>
            <p>
              {report.created} to create, {report.updated} to update, {report.skipped} skipped, {report.failed} invalid, {report.invited}{' '}
              invited.
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
        )}
      </div>
    </Page>
  );
}
