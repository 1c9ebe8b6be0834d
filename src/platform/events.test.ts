import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { changes, eventViolation, internalEvent, payload, publicEvent, publishedEvents, secretLikeFields } from './events.js';

const catalogue = {
  'thing.created': publicEvent('thing', 1, payload({ name: Type.String(), count: Type.Integer() })),
  'thing.renamed': publicEvent('thing', 2, changes(payload({ name: Type.String() }))),
  'thing.deleted': publicEvent('thing', 1),
  'thing.key_rotated': internalEvent('thing', 1, payload({ keyId: Type.String() })),
};

describe('publishedEvents', () => {
  it('lists the public events only, by name, with version, entity and payload schema', () => {
    const listed = publishedEvents(catalogue);
    expect(listed.map((entry) => entry.type)).toEqual(['thing.created', 'thing.deleted', 'thing.renamed']);
    expect(listed.find((entry) => entry.type === 'thing.renamed')).toMatchObject({ version: 2, entity: 'thing' });
    expect(listed.find((entry) => entry.type === 'thing.deleted')?.payload).toBeNull();
    expect(listed[0]?.payload).toMatchObject({ type: 'object', required: ['name', 'count'], additionalProperties: false });
  });
});

describe('eventViolation', () => {
  it('accepts a payload its schema describes', () => {
    expect(eventViolation(catalogue, { type: 'thing.created', payload: { name: 'a', count: 1 } })).toBeUndefined();
    expect(eventViolation(catalogue, { type: 'thing.renamed', payload: { before: { name: 'a' }, after: {} } })).toBeUndefined();
    expect(eventViolation(catalogue, { type: 'thing.deleted' })).toBeUndefined();
  });

  it('names the field that breaks the schema: a wrong type, a missing field, an undeclared one', () => {
    expect(eventViolation(catalogue, { type: 'thing.created', payload: { name: 'a', count: 'one' } })).toMatch(/thing\.created: \/count/);
    expect(eventViolation(catalogue, { type: 'thing.created', payload: { name: 'a' } })).toMatch(/thing\.created/);
    expect(eventViolation(catalogue, { type: 'thing.created', payload: { name: 'a', count: 1, token: 'x' } })).toMatch(/thing\.created/);
    expect(eventViolation(catalogue, { type: 'thing.renamed', payload: { before: { secret: 'x' }, after: {} } })).toMatch(/\/before/);
  });

  it('refuses a payload on an event that declares none, and an event not in the catalogue', () => {
    expect(eventViolation(catalogue, { type: 'thing.deleted', payload: { name: 'a' } })).toMatch(/does not declare/);
    expect(eventViolation(catalogue, { type: 'thing.exploded' })).toMatch(/not in the event catalogue/);
  });
});

describe('secretLikeFields', () => {
  it('finds fields named after a secret at any depth: in objects, unions, arrays and records', () => {
    const schema = payload({
      name: Type.String(),
      refreshToken: Type.String(),
      nested: payload({ passwordHash: Type.String(), apiKey: Type.String() }),
      maybe: Type.Union([payload({ client_secret: Type.String() }), Type.Null()]),
      list: Type.Array(payload({ code: Type.String() })),
      byId: Type.Record(Type.String(), payload({ hash: Type.String() })),
    });
    expect(secretLikeFields(schema).sort()).toEqual(
      ['byId.*.hash', 'list.[].code', 'maybe.client_secret', 'nested.apiKey', 'nested.passwordHash', 'refreshToken'].sort(),
    );
  });

  it('lets flags about a secret and names that merely contain a secret word pass', () => {
    const schema = payload({
      withPassword: Type.Boolean(),
      identityId: Type.String(),
      keyboard: Type.String(),
      hashtags: Type.Array(Type.String()),
    });
    expect(secretLikeFields(schema)).toEqual([]);
    expect(secretLikeFields(undefined)).toEqual([]);
  });
});
