/**
 * Rig-wide settings (`npm run bench -- settings`): a 4-field change (format,
 * ISO, shutter, white balance) to 50 simulated cameras (40 camera nodes, 10
 * Blackmagic cameras) through a real rigmap server (POST /api/settings, probes
 * running): time until every camera is read back, p50/p95 over 20 rounds that
 * alternate two looks (target p95 < 1 s), and each camera's own time. The
 * cameras run in their own process (`rigmap sim`), as real cameras are other
 * machines: the figure is rigmap's, not the simulator's. The server's CPU time
 * per change (this process: the server and the bench's one request) is printed
 * too: on a loaded box it says more about the work done than the wall time.
 */
import { loadConfig } from '../src/server/config.ts';
import { startServer } from '../src/server/main.ts';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { RIGMAP_BIN } from '../test/helpers/cli.ts';
import type { SettingsReport } from '../src/topology/look/settings-types.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { percentile, report } from './lib/stats.ts';

const ROUNDS = 20;
const LOOKS = [
  ['format=1920x1080p25', 'iso=400', 'shutter=1/50', 'wb=5600'],
  ['format=1920x1080p30', 'iso=800', 'shutter=1/60', 'wb=4300'],
];

const tmp = makeTempDir('rigmap-bench-settings-');
const manifestFile = `${tmp.dir}/rig.json`;
const sim = spawn(process.execPath, [RIGMAP_BIN, 'sim', '--nodes', '40', '--blackmagic', '10', '--no-extras', '--lan', '127.154.50.0/24', '--tailnet', '127.154.150.0/24',
  '--port', '0', '--control-port', '0', '--manifest', manifestFile], { stdio: 'ignore' });
const until = Date.now() + 60_000;
while (!existsSync(manifestFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
await new Promise((r) => setTimeout(r, 300));
if (!existsSync(manifestFile)) throw new Error('the simulated rig did not start within 60 s');
const server = await startServer(loadConfig({
  db: `${tmp.dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 2000, tailscaleSync: 'off', tailnetCidrs: '127.154.150.0/24', bonjour: false, neverSeenAfterSec: 0,
}, {}));
try {
  const imported = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(manifestFile, 'utf8') });
  if (imported.status !== 200) throw new Error(`import failed: ${await imported.text()}`);
  const rounds: number[] = [];
  const cpuPerRound: number[] = [];
  const perCamera: number[] = [];
  let notApplied = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const res = await fetch(`${server.url}/api/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'camera', settings: LOOKS[i % 2] }) });
    const r = (await res.json()) as SettingsReport;
    rounds.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuPerRound.push((used.user + used.system) / 1000);
    if (res.status !== 200) throw new Error(`POST /api/settings answered ${res.status}: ${JSON.stringify(r)}`);
    if (r.total !== 50) throw new Error(`expected 50 cameras, got ${r.total}`);
    notApplied += r.notApplied;
    for (const c of r.cameras.filter((x) => x.outcome !== 'applied').slice(0, 3)) process.stdout.write(`  round ${i + 1}: ${c.deviceId} ${c.outcome}: ${c.error ?? c.settings.filter((x) => x.outcome !== 'applied').map((x) => `${x.key} ${x.reason}`).join('; ')}\n`);
    perCamera.push(...r.cameras.map((c) => c.ms));
  }
  process.stdout.write(`4-field change to 50 cameras (40 camera-node, 10 Blackmagic), ${ROUNDS} rounds, through POST /api/settings\n`);
  report('all 50 read back, p50', percentile(rounds, 50), 'ms');
  report('all 50 read back, p95', percentile(rounds, 95), 'ms', { max: 1000 });
  report('one camera (read, 4 writes, read-back), p50', percentile(perCamera, 50), 'ms');
  report('one camera, p95', percentile(perCamera, 95), 'ms');
  report('server CPU per change, p50', percentile(cpuPerRound, 50), 'ms');
  report('server CPU, all rounds', cpuPerRound.reduce((a, b) => a + b, 0), 'ms');
  process.stdout.write(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
  process.stdout.write(`cameras not applied over all rounds: ${notApplied} (expected 0)\n`);
  if (notApplied) process.exitCode = 1;
} finally {
  await server.close();
  sim.kill('SIGTERM');
  await new Promise((r) => sim.once('exit', r));
  tmp.cleanup();
}
