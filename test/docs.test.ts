import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkers, renderConfigTable } from '../src/config.js';
import { domainEvents } from '../src/modules/events.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const pages = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(new URL('../docs/', import.meta.url))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
/** A page's prose: fenced code blocks hold examples, not headings or links. */
const withoutCode = (text: string) => text.replace(/```[\s\S]*?```/g, '');
const anchorsOf = (text: string) => new Set([...withoutCode(text).matchAll(/^#+\s+(.+)$/gm)].map((match) => anchor(match[1] as string)));

/** Every relative link of a page (outside code blocks), resolved from the page's own folder. */
const relativeLinks = (page: string) =>
  [...withoutCode(read(page)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => {
      const [file, fragment] = target.split('#');
      const folder = page.includes('/') ? page.slice(0, page.lastIndexOf('/') + 1) : '';
      return { page, target, file: file ? new URL(file, `file:///${folder}`).pathname.slice(1) : page, fragment };
    });

describe('the documentation', () => {
  it('lists exactly the audit actions of the event catalogues', () => {
    const audit = read('docs/audit.md');
    // The table's rows only: prose around it may name actions again.
    const rows = audit
      .slice(audit.indexOf('| area | actions |'))
      .split('\n')
      .filter((line) => line.startsWith('|'));
    const listed = rows.flatMap((row) => [...row.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((match) => match[1])).sort();
    expect(listed).toEqual(Object.keys(domainEvents).sort());
  });

  it('has the settings table of src/config.ts (npm run docs:config rewrites it)', () => {
    const text = read('docs/configuration.md');
    const [start, end] = configTableMarkers;
    expect(text).toContain(start);
    expect(text.slice(text.indexOf(start) + start.length, text.indexOf(end))).toBe(`\n${renderConfigTable()}`);
  });

  it('links only to files and headings that exist', () => {
    const links = pages.flatMap(relativeLinks);
    expect(links.length).toBeGreaterThan(20);
    const broken = links.filter(({ file, fragment }) => {
      if (!existsSync(new URL(`../${file}`, import.meta.url))) return true;
      return fragment !== undefined && file.endsWith('.md') && !anchorsOf(read(file)).has(fragment);
    });
    expect(broken).toEqual([]);
  });

  it('keeps the front page under 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(250);
  });
});
