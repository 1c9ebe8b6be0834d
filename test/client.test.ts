import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedTypesFile, generateTypes } from '../scripts/openapi-types.js';

// @tessera/client's types are generated from the app's own OpenAPI document: a route changed without
// `npm run openapi:types` fails here (and in CI), so the console and apps never call a stale API.
describe('@tessera/client', () => {
  it('has the types the routes generate now', async () => {
    const committed = readFileSync(generatedTypesFile, 'utf8');
    expect(committed === (await generateTypes()), 'clients/typescript/src/schema.ts is stale: run `npm run openapi:types`').toBe(true);
  }, 120_000);
});
