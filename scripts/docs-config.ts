import { readFileSync, writeFileSync } from 'node:fs';
import { configTableMarkers, renderConfigTable } from '../src/config.js';

/** Rewrites only the generated table of docs/configuration.md; the prose around it is written by hand. */
const file = new URL('../docs/configuration.md', import.meta.url);
const text = readFileSync(file, 'utf8');
const [start, end] = configTableMarkers;
if (!text.includes(start) || !text.includes(end)) throw new Error(`docs/configuration.md lacks the markers ${start} … ${end}`);
const head = text.slice(0, text.indexOf(start) + start.length);
const tail = text.slice(text.indexOf(end));
writeFileSync(file, `${head}\n${renderConfigTable()}${tail}`);
