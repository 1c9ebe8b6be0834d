import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema/index.js';
import { tableOwners } from '../src/db/schema/owners.js';

/**
 * One owner per table (src/db/schema/owners.ts, docs/modules.md): every file of a module (queries and
 * anything else that builds SQL) touches only its own module's tables, whether through a Drizzle table
 * it imports from src/db/schema or a table named in raw SQL.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const modulesDir = join(root, 'src/modules');
const schemaDir = join(root, 'src/db/schema');
const owners: Record<string, string> = tableOwners;

/** Drizzle export name → table name, from the real schema. */
const tableOfExport = new Map(
  Object.entries(schema).flatMap(([exported, value]) => (is(value, PgTable) ? [[exported, getTableName(value)] as const] : [])),
);
const tableNames = new Set<string>(tableOfExport.values());

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') && !entry.endsWith('.test.ts') ? [path] : [];
  });
}

/** Tables a file's code reaches: Drizzle tables imported from the schema, and tables named in SQL text. */
function tablesTouched(file: string, text: string): Set<string> {
  const touched = new Set<string>();
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const namespaces: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const target = resolve(dirname(file), statement.moduleSpecifier.text);
    if (!target.startsWith(schemaDir)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        const table = tableOfExport.get((element.propertyName ?? element.name).text);
        if (table) touched.add(table);
      }
    } else if (bindings && ts.isNamespaceImport(bindings)) namespaces.push(bindings.name.text);
  }
  for (const namespace of namespaces) {
    for (const match of text.matchAll(new RegExp(`\\b${namespace}\\.(\\w+)`, 'g'))) {
      const table = tableOfExport.get(match[1] as string);
      if (table) touched.add(table);
    }
  }
  // Raw SQL: a table named after FROM, JOIN, INTO, UPDATE or TABLE (SQL keywords, upper case: not prose).
  for (const match of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([a-z_]+)"?/g)) {
    if (tableNames.has(match[1] as string)) touched.add(match[1] as string);
  }
  return touched;
}

/** `file: table (owner)` for every table a module's file touches that another module owns. */
function trespasses(files: string[], read: (file: string) => string): string[] {
  return files.flatMap((file) => {
    const module = /^([^/]+)\//.exec(relative(modulesDir, file))?.[1];
    if (!module) return [...tablesTouched(file, read(file))].map((table) => `${relative(root, file)}: ${table} (${owners[table]})`);
    return [...tablesTouched(file, read(file))]
      .filter((table) => owners[table] !== module)
      .map((table) => `${relative(root, file)}: ${table} (${owners[table] ?? 'no owner'})`);
  });
}

describe('table ownership', () => {
  it('every table has exactly one owner, and every owner is a module', () => {
    expect([...tableNames].filter((table) => !owners[table])).toEqual([]);
    expect(Object.keys(owners).filter((table) => !tableNames.has(table))).toEqual([]);
    const modules = new Set(readdirSync(modulesDir).filter((entry) => statSync(join(modulesDir, entry)).isDirectory()));
    expect([...new Set(Object.values(owners))].filter((owner) => !modules.has(owner))).toEqual([]);
  });

  it('a module builds SQL only on the tables it owns; the wiring beside the modules on none', () => {
    expect(trespasses(sourceFiles(modulesDir), (file) => readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('sees what it checks (a planted import and a planted raw query are found, lowercase prose is not)', () => {
    const file = join(modulesDir, 'learning/queries.planted.ts');
    const planted = [
      "import { profiles as p, userSkills } from '../../db/schema/index.js';",
      "import * as tables from '../../db/schema/index.js';",
      'const a = sql`SELECT 1 FROM users u JOIN user_roles ur ON true`;',
      'const b = tables.organizations;',
      '// the timezone from their profiles, or from users in general',
    ].join('\n');
    expect(trespasses([file], () => planted).sort()).toEqual(
      [
        'src/modules/learning/queries.planted.ts: organizations (organizations)',
        'src/modules/learning/queries.planted.ts: profiles (users)',
        'src/modules/learning/queries.planted.ts: user_roles (access)',
        'src/modules/learning/queries.planted.ts: users (users)',
      ].sort(),
    );
  });
});
