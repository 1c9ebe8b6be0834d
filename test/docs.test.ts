import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { domainEvents } from '../src/modules/events.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists exactly the audit actions of the event catalogues', () => {
    const section = readme.slice(readme.indexOf('| area | actions |'), readme.indexOf('## Changelog'));
    const listed = [...section.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((match) => match[1]).sort();
    expect(listed).toEqual(Object.keys(domainEvents).sort());
  });
});
