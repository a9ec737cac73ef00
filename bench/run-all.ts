/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after the
 * other, so one benchmark's memory and sockets never skew the next. Each prints
 * its own figures. `npm run bench -- topology` runs only files matching "topology".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], { stdio: 'inherit', env: { ...process.env, RIGMAP_PROBE_CIDRS: '127.0.0.0/8' } });
  if (run.status !== 0) failed++;
}
process.stdout.write(`\n${files.length - failed}/${files.length} benchmarks completed\n`);
process.exit(failed ? 1 : 0);
