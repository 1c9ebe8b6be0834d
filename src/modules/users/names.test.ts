import { describe, expect, it } from 'vitest';
import { withNameSplit } from './names.js';

describe('withNameSplit', () => {
  it('puts the first word as the first name and the rest as the last', () => {
    expect(withNameSplit({ name: '  Ada   King Lovelace ' })).toEqual({ firstName: 'Ada', lastName: 'King Lovelace' });
    expect(withNameSplit({ name: 'Plato' })).toEqual({ firstName: 'Plato', lastName: '' });
  });

  it('keeps names given separately over the words of `name`', () => {
    expect(withNameSplit({ name: 'Ada Lovelace', lastName: 'Byron' })).toEqual({ firstName: 'Ada', lastName: 'Byron' });
  });

  it('leaves a body without `name` as it was, so an update changes only what it names', () => {
    expect(withNameSplit({ firstName: 'Grace', phone: '+14155550101' })).toEqual({ firstName: 'Grace', phone: '+14155550101' });
    expect(withNameSplit({ lastName: 'Hopper' })).toEqual({ lastName: 'Hopper' });
  });
});
