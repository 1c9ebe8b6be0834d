import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedBodiesFile, generatedTypesFile, generateRequestBodies, generateTypes } from '../scripts/openapi-types.js';

// @tessera/client's types are generated from the app's own OpenAPI document: a route changed without
// `npm run openapi:types` fails here (and in CI), so the console and apps never call a stale API.
describe('@tessera/client', () => {
  it('has the types the routes generate now', async () => {
    const committed = readFileSync(generatedTypesFile, 'utf8');
    expect(committed === (await generateTypes()), 'clients/typescript/src/schema.ts is stale: run `npm run openapi:types`').toBe(true);
  }, 120_000);

  it('has the request bodies the routes generate now (the schemas forms validate with)', async () => {
    const committed = readFileSync(generatedBodiesFile, 'utf8');
    expect(
      committed === (await generateRequestBodies()),
      'clients/typescript/src/request-bodies.ts is stale: run `npm run openapi:types`',
    ).toBe(true);
  }, 120_000);
});
