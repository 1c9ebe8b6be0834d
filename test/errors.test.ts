import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createContext } from '../src/context.js';
import { openPostgres } from '../src/db/client.js';
import { users } from '../src/db/schema/index.js';
import { AppError } from '../src/http/errors.js';
import { toAppError } from '../src/http/problem.js';
import { testConfig } from './helpers/app.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';

async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('database errors map to problems', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.dispose());

  it('turns a unique violation into 409 naming the field', async () => {
    await test.database.primary.insert(users).values({ email: 'taken@example.com', username: 'Taken' });
    const emailError = toAppError(await thrownBy(test.database.primary.insert(users).values({ email: 'taken@example.com' })));
    expect(emailError).toMatchObject({ status: 409, code: 'EMAIL_ALREADY_EXISTS', detail: 'A record with this email already exists.' });
    // username is unique case-insensitively, through an expression index.
    const usernameError = toAppError(
      await thrownBy(test.database.primary.insert(users).values({ email: 'other@example.com', username: 'taken' })),
    );
    expect(usernameError).toMatchObject({ status: 409, code: 'USERNAME_ALREADY_EXISTS' });
  });

  it('turns a malformed value into 400 and anything unknown into 500 without details', () => {
    expect(toAppError(new Error('boom'))).toMatchObject({
      status: 500,
      code: 'INTERNAL_ERROR',
      detail: 'Something went wrong on our side.',
    });
    expect(toAppError(new AppError({ status: 418, code: 'TEAPOT', detail: 'short and stout' }))).toMatchObject({ status: 418 });
  });
});

describe('an unreachable database', () => {
  it('answers 503 on health and maps driver errors to DATABASE_UNAVAILABLE', async () => {
    const config = testConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DB_CONNECTION_TIMEOUT: '1000' });
    const database = await openPostgres(config.DATABASE_URL as string, config);
    const context = await createContext(config, database);
    const app = await buildApp(context);
    try {
      await app.ready();
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ status: 'degraded', database: { status: 'down', driver: 'postgres' } });
      expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      const driverError = await thrownBy(database.ping(5000));
      expect(toAppError(driverError)).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await app.close();
      await context.state.close();
      await database.close();
    }
  });
});
