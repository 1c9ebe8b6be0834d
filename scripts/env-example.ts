import { writeFileSync } from 'node:fs';
import { renderEnvExample } from '../src/config.js';

writeFileSync(new URL('../.env.example', import.meta.url), renderEnvExample());
