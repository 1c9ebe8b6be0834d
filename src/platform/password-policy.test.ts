import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.js';
import { assertPasswordAcceptable, MAX_PASSWORD_LENGTH, passwordProblems } from './password-policy.js';

const someone = { email: 'someone@example.com' };

describe('password policy', () => {
  it('counts characters, not bytes or UTF-16 units, after NFKC', () => {
    // Four emoji: eight UTF-16 units, sixteen bytes, four characters.
    expect(passwordProblems('🦊🦉🐙🦀', 5, someone)).toEqual(['must be at least 5 characters']);
    expect(passwordProblems('🦊🦉🐙🦀🐢', 5, someone)).toEqual([]);
    // "ﬀ" (one character) is "ff" (two) once normalised.
    expect(passwordProblems('ﬀﬀﬀ', 6, someone)).toEqual([]);
  });

  it('refuses a password longer than the maximum rather than truncate it', () => {
    expect(passwordProblems(`${'x'.repeat(MAX_PASSWORD_LENGTH - 1)}y`, 8, someone)).toEqual([]);
    expect(passwordProblems(`${'x'.repeat(MAX_PASSWORD_LENGTH)}y`, 8, someone)).toEqual([
      `must be at most ${MAX_PASSWORD_LENGTH} characters`,
    ]);
  });

  it('refuses a password from the breached lists in any case, and asks for no composition rule', () => {
    const tooCommon = ['is too common: it appears in lists of breached passwords'];
    expect(passwordProblems('password1', 8, someone)).toEqual(tooCommon);
    expect(passwordProblems('PassWord1', 8, someone)).toEqual(tooCommon);
    expect(passwordProblems('qwertyuiop', 8, someone)).toEqual(tooCommon);
    expect(passwordProblems('every lowercase word here', 8, someone)).toEqual([]);
  });

  it("refuses the person's own address, its local part, username and names, ignoring words too short to matter", () => {
    const owner = { email: 'wilhelmina.quackenbush@example.com', username: 'wquack77', firstName: 'Wilhelmina', lastName: 'Quackenbush' };
    const personal = ['must not be your email or name'];
    for (const own of [
      'WILHELMINA QUACKENBUSH',
      'wilhelmina.quackenbush@example.com',
      'Wilhelmina.Quackenbush',
      'WQuack77',
      'quackenbush',
      'wilhelmina',
    ])
      expect(passwordProblems(own, 5, owner)).toEqual(personal);
    expect(passwordProblems('wilhelmina quackenbush sails', 8, owner)).toEqual([]);
    expect(passwordProblems('ab', 2, { email: 'ab@example.com', firstName: 'ab' })).toEqual([]);
  });

  it('answers 400 naming the field, with every problem', () => {
    let thrown: unknown;
    try {
      assertPasswordAcceptable('short', 8, someone, 'newPassword');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((thrown as AppError).extra.errors).toEqual([{ path: '/newPassword', message: 'must be at least 8 characters' }]);
    expect(() => assertPasswordAcceptable('a long and unusual passphrase', 8, someone)).not.toThrow();
  });
});
