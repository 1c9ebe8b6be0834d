import { Duplex } from 'node:stream';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import type { ConnectionError, FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import * as schema from '../db/schema/index.js';
import { constraintProblems, genericConstraints, problemServerOptions, toAppError } from './problem.js';

/** The name of every unique index and unique constraint the Drizzle schema declares. */
function uniqueNamesInSchema(): string[] {
  const tables = (Object.values(schema) as unknown[]).filter((value): value is PgTable => value instanceof PgTable);
  return tables.flatMap((table) => {
    const config = getTableConfig(table);
    return [
      ...config.indexes.filter((index) => index.config.unique).map((index) => index.config.name ?? ''),
      ...config.uniqueConstraints.map((constraint) => constraint.getName() ?? ''),
      ...config.columns.filter((column) => column.isUnique).map((column) => column.uniqueName ?? ''),
    ];
  });
}

/** A unique violation as the drivers report it, drizzle's wrapper around the driver's error. */
const uniqueViolation = (constraint: string | undefined, detail: string) =>
  new Error('Failed query', { cause: Object.assign(new Error('duplicate key'), { code: '23505', constraint, detail }) });

describe('foreign key refusals', () => {
  const foreignKey = (detail: string) =>
    new Error('Failed query', { cause: Object.assign(new Error('violates foreign key'), { code: '23503', detail }) });

  it('name the field whose row does not exist, and keep the generic words for a row still in use', () => {
    const missing = toAppError(foreignKey('Key (organization_id)=(01a2) is not present in table "organizations".'));
    expect([missing.status, missing.code, missing.detail]).toEqual([
      409,
      'REFERENCE_CONFLICT',
      'organizationId names no row of organizations.',
    ]);
    const inUse = toAppError(foreignKey('Key (id)=(01a2) is still referenced from table "users".'));
    expect([inUse.code, inUse.detail]).toEqual(['REFERENCE_CONFLICT', 'A referenced record does not exist or is still in use.']);
  });
});

describe('unique violations', () => {
  it('are each mapped to a declared code or deliberately generic, with no name listed that the schema lacks', () => {
    const inSchema = uniqueNamesInSchema();
    expect(inSchema.length).toBeGreaterThan(20);
    const decided = [...Object.keys(constraintProblems), ...genericConstraints];
    expect(inSchema.filter((name) => !decided.includes(name))).toEqual([]);
    expect(decided.filter((name) => !inSchema.includes(name))).toEqual([]);
    expect(Object.keys(constraintProblems).filter((name) => genericConstraints.includes(name))).toEqual([]);
  });

  it('answer the code mapped to their constraint, whatever the column is called', () => {
    const error = toAppError(uniqueViolation('organizations_slug_unique', 'Key (slug)=(acme) already exists.'));
    expect([error.status, error.code]).toEqual([409, 'SLUG_ALREADY_EXISTS']);
  });

  it('answer the generic 409 for a constraint nobody mapped, not a code guessed from its column', () => {
    const guessable = toAppError(uniqueViolation('webhooks_name_unique', 'Key (name)=(billing) already exists.'));
    expect([guessable.status, guessable.code]).toEqual([409, 'ALREADY_EXISTS']);
    const unnamed = toAppError(uniqueViolation(undefined, 'Key (email)=(a@example.com) already exists.'));
    expect([unnamed.status, unnamed.code]).toEqual([409, 'ALREADY_EXISTS']);
  });
});

describe('a connection whose request cannot be parsed', () => {
  /** A connection that records what is written to it; `answering`: a response to an earlier request already started. */
  function connection(answering = false) {
    const written: string[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk, _encoding, done) {
        written.push(String(chunk));
        done();
      },
    });
    socket.on('error', () => undefined);
    if (answering) Object.assign(socket, { _httpMessage: { headersSent: true } });
    return { socket, written };
  }
  const server = { log: { info: () => undefined } } as unknown as FastifyInstance;
  const refuse = (code: string, socket: Duplex) =>
    problemServerOptions.clientErrorHandler.call(server, Object.assign(new Error(code), { code }) as ConnectionError, socket);

  it('answers a request that did not arrive in time 408, and closes the connection', () => {
    const { socket, written } = connection();
    refuse('ERR_HTTP_REQUEST_TIMEOUT', socket);
    expect(written.join('')).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*"code":"REQUEST_TIMEOUT"/);
    expect(socket.destroyed).toBe(true);
  });

  it('writes nothing to a connection that was reset or is already answering an earlier request', () => {
    const reset = connection();
    refuse('ECONNRESET', reset.socket);
    expect(reset.written).toEqual([]);
    const answering = connection(true);
    refuse('HPE_INVALID_METHOD', answering.socket);
    expect(answering.written).toEqual([]);
    expect(answering.socket.destroyed).toBe(true);
  });
});
