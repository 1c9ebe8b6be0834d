import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { namesNonUtf8Charset } from '../../http/charset.js';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { importErrors as errors } from './errors.js';
import { ImportJobParams, ImportJobView, ImportQuery, ImportSummary } from './schemas.js';
import type { ImportService } from './service.js';

const operation = operations(['users']);

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const types = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl', 'application/jsonl': 'jsonl' } as const;

/** The upload goes to a temporary file as it arrives (the import reads it twice), never into memory. */
async function spool(upload: NodeJS.ReadableStream, path: string) {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > MAX_UPLOAD_BYTES ? httpErrors.BODY_TOO_LARGE() : null, chunk);
    },
  });
  await pipeline(upload, limit, createWriteStream(path));
}

/** The request's body on disk in a temporary folder, in the format its content type names; `remove` deletes it. */
async function receiveUpload(request: FastifyRequest) {
  const format = types[request.headers['content-type']?.split(';')[0]?.trim() as keyof typeof types];
  if (!format) throw httpErrors.UNSUPPORTED_MEDIA_TYPE();
  if (namesNonUtf8Charset(request.headers['content-type'])) throw httpErrors.UNSUPPORTED_MEDIA_TYPE('Import files are read as UTF-8 only.');
  const dir = await mkdtemp(join(tmpdir(), 'tessera-import-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, `upload.${format}`);
  await spool(request.raw, path).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  return { path, format, remove };
}

const uploadProblems = [httpErrors.BODY_TOO_LARGE, httpErrors.UNSUPPORTED_MEDIA_TYPE] as const;

/** Data migration over HTTP: POST /users/import with a JSON Lines or CSV body, streamed. */
export const importRoutes: FastifyPluginAsyncTypebox<{ importer: ImportService }> = async (app, { importer }) => {
  // The body is read by the handler as a stream; no parser buffers it.
  app.addContentTypeParser(Object.keys(types), (_request, _payload, done) => done(null));

  // What a role grant or a password set by an administrator asks, since an import does both.
  const writesAccounts = { ...requirePermission('users:write'), stepUp: true };
  app.post(
    '/users/import',
    operation(writesAccounts, {
      description:
        'Streams a JSON Lines or CSV file, one user per line. Every line is checked first: an invalid line rejects the whole file with 400 IMPORT_REJECTED listing every bad line (or, with `skipInvalid`, is left out). Existing emails are skipped unless `update`; `dryRun` writes nothing. An import grants roles, changes statuses and gives password hashes to accounts without a password: like a role grant, it needs a recent sign-in (STEP_UP_MAX_AGE; 401 STEP_UP_REQUIRED).',
      summary: 'Import users from a JSON Lines or CSV body (the same as `tessera import`), in your organization, with roles you hold',
      consumes: Object.keys(types),
      querystring: ImportQuery,
      response: { 200: ImportSummary, ...problems(errors.IMPORT_REJECTED, ...uploadProblems) },
    }),
    async (request) => {
      const upload = await receiveUpload(request);
      try {
        const summary = await importer.importFile(signedIn(request.caller), upload.path, request.query, undefined, upload.format);
        if (summary.rejected) {
          throw errors.IMPORT_REJECTED({
            detail: `${summary.failed} invalid lines; nothing was imported.`,
            errors: summary.errors.map((error) => ({ path: `line ${error.line}: ${error.field}`, message: error.message })),
          });
        }
        return summary;
      } finally {
        await upload.remove();
      }
    },
  );

  app.post(
    '/users/import/jobs',
    operation(writesAccounts, {
      summary: 'Start an import that runs in the background; poll its progress',
      description:
        'The same import as POST /users/import, answered with 202 once the file is received: the checking and then the writing run on, and GET /users/import/jobs/:id tells their progress and, when done, the summary (with `rejected` when invalid lines wrote nothing).',
      consumes: Object.keys(types),
      querystring: ImportQuery,
      response: { 202: ImportJobView, ...problems(...uploadProblems) },
    }),
    async (request) => {
      const upload = await receiveUpload(request);
      const file = { path: upload.path, format: upload.format };
      const job = await importer.jobs
        .start(signedIn(request.caller), file, request.query, upload.remove, (error) => request.log.error({ err: error }, 'import failed'))
        .catch(async (error: unknown) => {
          await upload.remove();
          throw error;
        });
      return job;
    },
  );

  app.get(
    '/users/import/jobs/:id',
    operation(requirePermission('users:write'), {
      summary: 'The progress of an import you started, and its summary once done',
      description:
        "Phase (checking, then importing), lines or users done of the total, and once finished the summary or the failure. Kept an hour after the import ends; another person's import answers IMPORT_NOT_FOUND.",
      params: ImportJobParams,
      response: { 200: ImportJobView, ...problems(errors.IMPORT_NOT_FOUND) },
    }),
    async (request) => importer.jobs.get(signedIn(request.caller), request.params.id),
  );
};
