import { describe, expect, it } from 'vitest';
import { secretLikeFields } from '../platform/events.js';
import { domainEvents, eventCatalog, payloadChecker } from './events.js';

const specs = Object.entries(domainEvents);

describe('the domain event catalogue', () => {
  it('gives every event an integer version and a visibility', () => {
    for (const [type, spec] of specs) {
      expect(Number.isInteger(spec.version) && spec.version >= 1, type).toBe(true);
      expect(['public', 'internal'], type).toContain(spec.visibility);
    }
  });

  // Public payloads are the webhook contract; internal ones are audit rows all the same: neither holds a secret.
  it('declares no secret-like field in any payload, public or internal', () => {
    const leaks = specs.flatMap(([type, spec]) => secretLikeFields(spec.payload).map((field) => `${spec.visibility} ${type}: ${field}`));
    expect(leaks).toEqual([]);
  });

  it('publishes the public events and only them: what webhooks get, not operational detail', () => {
    const listed = eventCatalog().map((entry) => entry.type);
    expect(listed).toEqual(
      specs
        .filter(([, spec]) => spec.visibility === 'public')
        .map(([type]) => type)
        .sort(),
    );
    expect(listed).toEqual(expect.arrayContaining(['user.created', 'organization.created', 'invitation.accepted', 'subscription.set']));
    expect(listed).toEqual(expect.arrayContaining(['user.roles_granted', 'skill.added']));
    for (const internal of ['auth.login', 'auth.password_reset_requested', 'auth.api_key_created', 'identity_provider.updated']) {
      expect(listed).not.toContain(internal);
    }
  });
});

describe('payloadChecker', () => {
  const check = async (event: Parameters<ReturnType<typeof payloadChecker>>[0]) => {
    const reported: string[] = [];
    payloadChecker((violation) => reported.push(violation))(event);
    return reported;
  };

  it('passes an event as its module emits it', async () => {
    expect(await check({ type: 'role.deleted', entityId: 'r1', payload: { name: 'editor' } })).toEqual([]);
  });

  it('reports an event whose payload its schema refuses', async () => {
    const smuggled = { type: 'role.deleted', entityId: 'r1', payload: { name: 'editor', token: 't' } } as never;
    expect(await check(smuggled)).toEqual([expect.stringMatching(/^role\.deleted: /)]);
  });
});
