import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The module rules of docs/modules.md, checked over the real import graph of src/ (type-only imports
 * included): a module reaches another only through its published files, and nothing imports in a circle.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const src = join(root, 'src');
/** What a module publishes to the others; everything else in its folder is its own business. */
const PUBLISHED = new Set(['service.ts', 'schemas.ts', 'errors.ts', 'events.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

const graph = new Map(sourceFiles(src).map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(root, file);
const moduleOf = (file: string) => /^src\/modules\/([^/]+)\//.exec(name(file))?.[1];
/** The core the modules stand on: it knows nothing of them (src/modules/index.ts wires them onto it). */
const isCore = (file: string) => /^src\/(platform|http|db)\//.test(name(file)) || name(file) === 'src/context.ts';
const isModules = (file: string) => name(file).startsWith('src/modules/');

/** Imports from the core into src/modules, as `file → target`. */
function coreReachingUp(edges: Map<string, string[]>): string[] {
  return [...edges].flatMap(([file, imports]) =>
    isCore(file) ? imports.filter(isModules).map((target) => `${name(file)} → ${name(target)}`) : [],
  );
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.map(name).sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Loads vitest's runtime (not only its types): vitest refuses to be loaded outside its own runner. */
const loadsVitest = (source: string) => /^import (?!type )[^;]*from 'vitest'/m.test(source);

/** Each file reachable from `entries` that loads vitest, as the chain of imports that reaches it. */
function vitestReachedFrom(entries: string[], importsOfFile: (file: string) => string[], sourceOf: (file: string) => string): string[] {
  const reached = new Map<string, string>(entries.map((entry) => [entry, name(entry)]));
  const queue = [...entries];
  const found: string[] = [];
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (loadsVitest(sourceOf(file))) found.push(reached.get(file) as string);
    for (const next of importsOfFile(file)) {
      if (reached.has(next)) continue;
      reached.set(next, `${reached.get(file)} → ${name(next)}`);
      queue.push(next);
    }
  }
  return found;
}

/** The scripts npm runs with tsx, and the benchmarks: they reuse test helpers, but run outside vitest. */
const scriptEntries = [...sourceFiles(join(root, 'scripts')), ...sourceFiles(join(root, 'bench'))];

describe('module boundaries', () => {
  it('a module, and the app around the modules (src/cli, src/app.ts…), imports a module only through its published files', () => {
    const leaks: string[] = [];
    for (const [file, imports] of graph) {
      const from = moduleOf(file);
      // The wiring beside the modules (src/modules/index.ts) assembles them from their module.ts.
      if (!from && isModules(file)) continue;
      for (const target of imports) {
        const to = moduleOf(target);
        if (to && to !== from && !PUBLISHED.has(relative(join(src, 'modules', to), target))) leaks.push(`${name(file)} → ${name(target)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('the core (src/platform, src/http, src/db, src/context.ts) imports nothing from src/modules', () => {
    expect(coreReachingUp(graph)).toEqual([]);
  });

  it('nothing in src imports in a circle, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the scripts and benchmarks load no test helper that loads vitest (`npm run fuzz` would stop before its first request)', () => {
    expect(vitestReachedFrom(scriptEntries, importsOf, (file) => readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('sees the import graph it checks (a leak and a cycle planted in memory are found)', () => {
    const a = join(src, 'modules/alpha/service.ts');
    const b = join(src, 'modules/beta/queries.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([[name(a), name(b)].sort()]);
    expect(moduleOf(b)).toBe('beta');
    const caller = join(src, 'platform/caller.ts');
    expect(coreReachingUp(new Map([[caller, [b, join(src, 'platform/events.ts')]]]))).toEqual([`${name(caller)} → ${name(b)}`]);
    expect(PUBLISHED.has(relative(join(src, 'modules', 'beta'), b))).toBe(false);
    expect(graph.get(join(src, 'app.ts'))).toContain(join(src, 'modules/index.ts'));
    const script = join(root, 'scripts/fuzz.ts');
    const helper = join(root, 'test/helpers/auth.ts');
    const sources = new Map([
      [script, "import { loginAs } from '../test/helpers/auth.js';"],
      [helper, "import type { Mock } from 'vitest';\nimport { expect } from 'vitest';"],
    ]);
    const planted = vitestReachedFrom(
      [script],
      (file) => (file === script ? [helper] : []),
      (file) => sources.get(file) ?? '',
    );
    expect(planted).toEqual([`${name(script)} → ${name(helper)}`]);
    expect(loadsVitest("import type { Mock } from 'vitest';")).toBe(false);
    expect(scriptEntries).toContain(script);
  });
});
