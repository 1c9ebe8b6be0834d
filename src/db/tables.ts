import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';

/** Every table of the schema, parents before children (the order a restore must insert in). */
export function tablesInDependencyOrder(): string[] {
  const configs = (Object.values(schema) as unknown[])
    .filter((value): value is PgTable => value instanceof PgTable)
    .map((table) => getTableConfig(table));
  const parents = new Map(
    configs.map((config) => [
      config.name,
      new Set(config.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name).filter((name) => name !== config.name)),
    ]),
  );
  const ordered: string[] = [];
  const visit = (name: string) => {
    if (ordered.includes(name)) return;
    for (const parent of parents.get(name) ?? []) visit(parent);
    ordered.push(name);
  };
  for (const name of [...parents.keys()].sort()) visit(name);
  return ordered;
}
