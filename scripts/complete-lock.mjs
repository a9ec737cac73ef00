#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional packages that
// npm could not look up (some registry mirrors answer 404 for, e.g., rollup's
// Android/Windows/macOS binaries). npm then leaves them out of the lock, and
// `npm ci` refuses the lock as "out of sync". Each missing optional dependency
// gets an entry marked optional with the os/cpu its name says, so `npm ci` on
// any machine skips the ones that are not for it, exactly as with a full lock.
// Run after `npm install` changes the lock: `node scripts/complete-lock.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'sunos', 'aix', 'netbsd'];
const CPU = { arm: 'arm', 'arm-eabi': 'arm', arm64: 'arm64', x64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' };

/** os, cpu and libc from a name like "@rollup/rollup-linux-arm-musleabihf". */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  if (!os) return null;
  const rest = parts.slice(parts.indexOf(os) + 1);
  const cpu = CPU[rest.join('-')] ?? CPU[rest[0]];
  if (!cpu) return null;
  const libc = os === 'linux' ? (rest.some((p) => p.startsWith('musl')) ? ['musl'] : ['glibc']) : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const at = `${path ? `${path}/` : ''}node_modules/${dep}`;
    if (lock.packages[at] || lock.packages[`node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(range)) continue;
    lock.packages[`node_modules/${dep}`] = { version: range, ...(pkg.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lock: added ${added} optional platform package(s) to package-lock.json`);
