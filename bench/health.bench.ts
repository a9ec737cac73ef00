/**
 * Health bench: N simulated nodes × 2 paths (default 1,000, HEALTH_BENCH_NODES to change)
 * with 1 s heartbeats, probed by a rigmap server in its own process; the simulator
 * runs in a third process (HEALTH_BENCH_SIM_PROCESS=0: in the bench's, as before).
 * Prints detection latency p50/p95/p99 for `down` and `hang` (the instant the
 * simulator applied the fault → path.state on /api/events), server CPU seconds per
 * minute and RSS, and the simulator's own lag (heartbeats late) and CPU, so a
 * reader can tell rigmap's latency from the bench's.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../test/helpers/app.ts';
import { summariseProfile } from './lib/cpu-profile.ts';
import { type SimStats, startHealthSim } from './lib/health-sim.ts';
import { RetryingGet } from './lib/retry-fetch.ts';
import { summariseAllocations } from './lib/alloc-profile.ts';
import { procUsage, readServerProbe, watchPathStates } from './lib/rigmap-process.ts';

const N = Number(process.env.HEALTH_BENCH_NODES ?? 1000);
const SAMPLE = Math.min(50, Math.floor(N / 4));
const STEADY_MS = Number(process.env.HEALTH_BENCH_STEADY_MS ?? 60_000);
// The rate the server asks nodes for (contract v1.1): 1000 keeps the nodes' own 1 s heartbeats.
const ASK_MS = process.env.HEALTH_BENCH_HEARTBEAT_MS ?? '1000';
// HEALTH_BENCH_CPU_PROF=1: profile the server (node --cpu-prof) and summarise its steady window;
// HEALTH_BENCH_ALLOC_PROF=1: what it allocates in the steady window (bench/lib/server-probe.mjs);
// HEALTH_BENCH_ALLOC_PROF=promoted: only what lived long enough to be promoted (what grows the RSS).
const PROFILE = process.env.HEALTH_BENCH_CPU_PROF === '1';
const ALLOC_MODE = process.env.HEALTH_BENCH_ALLOC_PROF;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) : NaN;
};

const SIM_OWN_PROCESS = process.env.HEALTH_BENCH_SIM_PROCESS !== '0';
const sim = await startHealthSim({ nodes: N, lanCidr: '127.1.0.0/16', tailnetCidr: '127.101.0.0/16', heartbeatMs: 1000, extras: false, idPrefix: 'bn' }, SIM_OWN_PROCESS);
const wallNow = () => performance.timeOrigin + performance.now();
const { dir, cleanup } = makeTempDir('rigmap-health-bench-');
const db = join(dir, 'rigmap.db');
const profDir = join(dir, 'prof');
// HEALTH_BENCH_SERVER_NODE_ARGS: extra Node flags for the server only, e.g. `--max-old-space-size=160` to tell a leak from lazy collection.
const SERVER_NODE_ARGS = (process.env.HEALTH_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
// The server's own event-loop delay and heap (bench/lib/server-probe.mjs; HEALTH_BENCH_ALLOC_PROF=1 adds an allocation profile).
const probeFile = join(dir, 'server-probe.json');
const probeArgs = ['--import', join(root, 'bench/lib/server-probe.mjs')];
const server = spawn(process.execPath, [...SERVER_NODE_ARGS, ...probeArgs, ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), join(root, 'bin/rigmap.js'), 'serve', '--port', '0', '--db', db, '--log-level', 'info'], {
  // Profiled, the server runs its sources (RIGMAP_FROM_SOURCE=1), so profiles name src/ files and functions, not the built chunks.
  env: { ...process.env, ...(PROFILE || ALLOC_MODE === '1' || ALLOC_MODE === 'promoted' ? { RIGMAP_FROM_SOURCE: '1' } : {}), HEALTH_BENCH_PROBE_FILE: probeFile, RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_TAILSCALE_SYNC: 'off', RIGMAP_BONJOUR: 'off', RIGMAP_NEVER_SEEN_AFTER_SEC: '0', RIGMAP_HEARTBEAT_MS: ASK_MS },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// If the bench itself is stopped (Ctrl-C, a wrapper's SIGTERM, a crash), take the server
// with it: an orphaned server would probe a vanished rig for ever.
const killServer = () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
};
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c) => {
    out += c;
    const m = /"url":"(http:[^"]+)"/.exec(out) ?? /serving (http:\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const imported = await fetch(`${url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest) });
if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);

// Watch every path change on the server's own SSE stream.
const downAt = new Map<string, number>();
let downEvents = 0;
await watchPathStates(url, (d) => {
  if (d.path.state !== 'down') return;
  downAt.set(`${d.deviceId}|${d.path.network}`, wallNow());
  downEvents++;
});

// A busy server at warm-up may answer late or reset a kept-alive socket: retried, bounded, and counted.
const healthz = new RetryingGet({ attempts: 5, withinMs: 60_000, timeoutMs: 15_000 });
const upCount = async () => (await healthz.json<{ probes: { up: number } }>(`${url}/healthz`)).probes.up;
const t0 = Date.now();
while ((await upCount()) < 2 * N && Date.now() - t0 < 120_000) await sleep(500);
process.stdout.write(`all ${2 * N} paths up after ${((Date.now() - t0) / 1000).toFixed(1)} s (${await upCount()} up)\n`);

// Steady state: CPU, RSS, and the simulator's own lag and CPU over the same window.
const p0 = procUsage(server.pid!);
await readServerProbe(server.pid!, probeFile);
await sim.stats(true);
const bench0 = process.cpuUsage();
const steadyFrom = performance.now();
const downsBefore = downEvents;
await sleep(STEADY_MS);
const falseDowns = downEvents - downsBefore;
const p1 = procUsage(server.pid!);
const steadyTo = performance.now();
const steadyServer = await readServerProbe(server.pid!, probeFile);
const steadySim = await sim.stats(true);
const benchCpu = process.cpuUsage(bench0);
const cpuPerMin = ((p1.cpuS - p0.cpuS) / STEADY_MS) * 60_000;
const benchCpuPerMin = ((benchCpu.user + benchCpu.system) / 1e3 / STEADY_MS) * 60;

/** Latencies from the instant the simulator applied the fault, and how long the order took to get there. */
async function detect(mode: 'down' | 'hang', ids: string[]): Promise<{ lat: number[]; orderMs: number }> {
  const sent = wallNow();
  const applied = await sim.setFaults(ids, mode);
  const until = Date.now() + 20_000;
  while (Date.now() < until && ids.some((id) => !downAt.has(`${id}|lan`) || !downAt.has(`${id}|tailscale`))) await sleep(100);
  const lat: number[] = [];
  for (const id of ids) for (const net of ['lan', 'tailscale']) {
    const at = downAt.get(`${id}|${net}`);
    if (at !== undefined) lat.push(at - applied);
  }
  await sim.setFaults(ids, 'ok');
  return { lat, orderMs: applied - sent };
}
const ids = sim.nodes.map((n) => n.id);
await sim.stats(true);
const downRun = await detect('down', ids.slice(0, SAMPLE));
await sleep(5000);
const hangRun = await detect('hang', ids.slice(SAMPLE, 2 * SAMPLE));
const detectSim = await sim.stats(true);
const detectServer = await readServerProbe(server.pid!, probeFile);
const [down, hang] = [downRun.lat, hangRun.lat];

const line = (name: string, value: string, target: string) => process.stdout.write(`${name.padEnd(34)} ${value.padStart(12)}   target ${target}\n`);
const [load1] = (await import('node:os')).loadavg();
process.stdout.write(`\nhealth bench: ${N} nodes × 2 paths, node heartbeats 1 s, server asks ${ASK_MS} ms (--heartbeat-ms), ${SAMPLE} nodes faulted per mode, simulator in the ${sim.where}, load average ${load1!.toFixed(1)}\n`);
line('down detection p50/p95/p99 ms', `${pct(down, 50).toFixed(0)}/${pct(down, 95).toFixed(0)}/${pct(down, 99).toFixed(0)}`, 'p99 < 250');
line(`  (paths detected)`, `${down.length}/${2 * SAMPLE}`, 'all');
line('hang detection p50/p95/p99 ms', `${pct(hang, 50).toFixed(0)}/${pct(hang, 95).toFixed(0)}/${pct(hang, 99).toFixed(0)}`, `p99 < ${ASK_MS === '1000' ? 3000 : 1000}`);
line(`  (paths detected)`, `${hang.length}/${2 * SAMPLE}`, 'all');
line('server CPU s per minute', `${cpuPerMin.toFixed(1)} (${((cpuPerMin / 60) * 100).toFixed(0)} %)`, '< 15 s (25 % of a core)');
line('server RSS MB', (p1.rss / 1e6).toFixed(0), '< 300');
line('false downs in the steady window', String(falseDowns), '0 (nothing was faulted)');
// The bench's side: if the simulator's beats go out late, rigmap sees silence that is not rigmap's.
const lagLine = (what: string, s: SimStats) => line(`sim beats late p50/p99/max ms (${what})`, `${s.lag.p50.toFixed(0)}/${s.lag.p99.toFixed(0)}/${s.lag.max.toFixed(0)}`, `≪ the ${ASK_MS} ms interval (${s.lag.beats} beats)`);
lagLine('steady', steadySim);
lagLine('detection', detectSim);
const loopLine = (what: string, p: typeof steadyServer) => line(`server loop delay p50/p99/max ms (${what})`, p ? `${p.loopDelay.p50.toFixed(0)}/${p.loopDelay.p99.toFixed(0)}/${p.loopDelay.max.toFixed(0)}` : 'no answer', 'rigmap itself late');
loopLine('steady', steadyServer);
loopLine('detection', detectServer);
if (steadyServer) line('server heap used / total MB (end of steady)', `${(steadyServer.heapUsed / 1e6).toFixed(0)} / ${(steadyServer.heapTotal / 1e6).toFixed(0)}`, 'RSS minus this: code, sockets, sqlite');
line('sim CPU s per minute (steady)', ((steadySim.cpuS / steadySim.wallS) * 60).toFixed(1), SIM_OWN_PROCESS ? 'its own process' : 'includes the bench');
line('bench process CPU s per minute (steady)', benchCpuPerMin.toFixed(1), SIM_OWN_PROCESS ? 'SSE watch + polls' : 'includes the simulator');
line('fault order → applied in the sim ms', `${downRun.orderMs.toFixed(1)}/${hangRun.orderMs.toFixed(1)}`, 'down/hang, not in the latencies');
line('/healthz retries (warm-up)', String(healthz.retries.length), `bounded: 5 tries within 60 s${healthz.retries.length ? `; last: ${healthz.retries.at(-1)}` : ''}`);
// File size over a short window reads WAL reuse, not growth: rows and bytes per hour are measured by `npm run bench -- history`.
line('DB growth', 'see history bench', '≈ 23 MB/h at 1,000 nodes, 30-day total bounded');

const termAt = performance.now();
server.kill('SIGTERM');
// A clean stop is expected within a few seconds; never let the bench hang on it.
const stopped = await Promise.race([new Promise((r) => server.once('exit', () => r(true))), sleep(8000).then(() => false)]);
line('server exit after SIGTERM s', stopped ? ((performance.now() - termAt) / 1000).toFixed(2) : '> 8 (killed)', '< 5 (forced exit after 5 s)');
if (!stopped) {
  process.stdout.write('server did not stop within 8 s of SIGTERM: killed\n');
  server.kill('SIGKILL');
}
if (PROFILE && stopped) {
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (file) {
    // The profile ends when the server exits: the steady window began and ended this long before.
    const exitAt = performance.now();
    const s = summariseProfile(join(profDir, file), exitAt - steadyFrom, exitAt - steadyTo);
    process.stdout.write(`\nCPU profile of the steady window (${(s.windowMs / 1000).toFixed(0)} s), self time by file:\n`);
    for (const r of s.byFile) process.stdout.write(`  ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.what}\n`);
    process.stdout.write('by function:\n');
    for (const r of s.byFunction) process.stdout.write(`  ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.what}\n`);
  } else process.stdout.write('no CPU profile written\n');
}
if ((ALLOC_MODE === '1' || ALLOC_MODE === 'promoted') && existsSync(`${probeFile}.heapprofile`)) {
  const a = summariseAllocations(`${probeFile}.heapprofile`, STEADY_MS / 1000);
  const what = ALLOC_MODE === 'promoted' ? 'promoted to the old generation (sampled; what young collections took left out)' : 'allocations (sampled, collected objects included)';
  process.stdout.write(`\n${what} in the steady window: ${a.mbPerS.toFixed(1)} MB/s; self MB/s:\n`);
  for (const [what, mb] of a.self) process.stdout.write(`  ${mb.toFixed(2).padStart(6)}  ${what}\n`);
  process.stdout.write('inclusive, rigmap functions:\n');
  for (const [what, mb] of a.inclusive) process.stdout.write(`  ${mb.toFixed(2).padStart(6)}  ${what}\n`);
}
await sim.close();
cleanup();
process.exit(0);
