// The registry this project installs from serves only the platform packages of the machines it runs on,
// so `npm install` leaves other platforms' optional binaries (biome, rollup) out of package-lock.json, and
// `npm ci` then refuses the lockfile as out of sync. This records each such package in the lockfile with
// the os/cpu/libc its name declares, so `npm ci` accepts the lockfile and skips them as foreign platforms.
// Run it after changing dependencies: `npm run lockfile:fix`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const platforms = {
  os: ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'sunos', 'aix', 'netbsd'],
  cpu: ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el'],
};
const osAliases = { win32: 'win32' };

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((part) => platforms.os.includes(part));
  const cpu = parts.find((part) => platforms.cpu.includes(part)) ?? (parts.includes('arm') ? 'arm' : undefined);
  const libc = parts.some((part) => part.startsWith('musl')) ? 'musl' : parts.some((part) => part.startsWith('gnu')) ? 'glibc' : undefined;
  return os && cpu ? { os: [osAliases[os] ?? os], cpu: [cpu], ...(os === 'linux' && libc ? { libc: [libc] } : {}) } : undefined;
}

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `${path ? `${path}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[key] || lock.packages[hoisted]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    lock.packages[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: recorded ${added} foreign-platform optional packages`);
