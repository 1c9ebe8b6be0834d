import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { httpErrors } from './errors.js';
import { loggedError } from './logged-error.js';

const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0$aGFzaA';
const failed = () =>
  new DrizzleQueryError('update "users" set "password_hash" = $1 where "users"."id" = $2', [hash, 'user-7'], new Error('connection lost'));

describe('an error as the log writes it', () => {
  it('keeps a failed statement’s text and cause, never its values, wherever it sits among the causes', () => {
    const shapes = [
      failed(),
      new Error('the use case failed', { cause: failed() }),
      httpErrors.DATABASE_UNAVAILABLE({ cause: failed() }),
      new AggregateError([failed()], 'both failed'),
    ];
    for (const error of shapes) {
      const logged = loggedError(error);
      const text = JSON.stringify(logged);
      expect(text, error.message).not.toContain(hash);
      expect(text).not.toContain('user-7');
      expect(text).not.toContain('params:');
      expect(text).toContain('update \\"users\\" set \\"password_hash\\" = $1');
      expect(text).toContain('connection lost');
    }
  });

  it('leaves any other error as pino writes it', () => {
    const error = Object.assign(new Error('refused', { cause: new Error('underneath') }), { code: 'E_SOMETHING' });
    expect(loggedError(error)).toMatchObject({ type: 'Error', message: 'refused: underneath', code: 'E_SOMETHING' });
  });
});
