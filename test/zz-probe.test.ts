import { test } from 'vitest';
import { buildApp } from '../src/app.js';
import { createContext } from '../src/context.js';
import { seedPreset } from '../src/modules/access/service.js';
import { testConfig } from './helpers/app.js';
import { createTestDatabase } from './helpers/databases.js';
test('probe', async () => {
  for (let i = 0; i < 4; i++) {
    let t = performance.now();
    const db = await createTestDatabase();
    const tdb = performance.now() - t;
    t = performance.now();
    const context = await createContext(testConfig(db.env), db.database);
    const tctx = performance.now() - t;
    t = performance.now();
    await seedPreset(context.database.primary, 'basic');
    const tseed = performance.now() - t;
    t = performance.now();
    const app = await buildApp(context, {});
    await app.ready();
    const tapp = performance.now() - t;
    t = performance.now();
    await app.close();
    await context.state.close();
    await db.dispose();
    console.log(`db ${tdb.toFixed(0)} ctx ${tctx.toFixed(0)} seed ${tseed.toFixed(0)} app ${tapp.toFixed(0)} close ${(performance.now() - t).toFixed(0)}`);
  }
}, 120000);
