/**
 * Phones bench: 8 simulated iPhones running Blackmagic Camera (HTTPS 4444, a
 * self-signed certificate each, Connection: close, the event WebSocket), LAN
 * and tailnet paths each, probed by a rigmap server in its own process at its
 * defaults. Prints:
 * - TLS handshakes per minute per path, counted at the phones (every request
 *   is a new TCP + TLS connection, as the app answers; target ≤ 30),
 * - rigmap CPU per phone (% of one core) over the steady window,
 * - time to `app_closed` (app leaves the screen → alert raised; target < 2 s),
 * - time to `device_lost` for a phone that walks away (blackhole routes in the
 *   lab, when root and `ip netns` are there; target < 3 s).
 * PHONES_BENCH_STEADY_MS (default 60000), PHONES_BENCH_RUNS (default 5).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import tls from 'node:tls';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimRig } from '../src/sim/rig.ts';
import type { Alert } from '../src/topology/health-types.ts';
import type { Discovered } from '../src/topology/discovery/types.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { labUnavailable } from '../test/lab/netns.ts';
import { alertsOf, healthOf, lastAlertId, raisedSince, waitUntil } from '../test/lab/lab-helpers.ts';
import { startLab } from '../test/lab/rig-lab.ts';
import { procUsage } from './lib/rigmap-process.ts';
import { percentile as pct } from './lib/stats.ts';

const PHONES = 8;
const STEADY_MS = Number(process.env.PHONES_BENCH_STEADY_MS ?? 60_000);
const RUNS = Number(process.env.PHONES_BENCH_RUNS ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Count TLS handshakes where the phones see them: every secure connection their servers accept, by local address.
const handshakes = new Map<string, number>();
const emit = tls.Server.prototype.emit;
tls.Server.prototype.emit = function (this: tls.Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'secureConnection') {
    const addr = (args[0] as tls.TLSSocket).localAddress ?? '?';
    handshakes.set(addr, (handshakes.get(addr) ?? 0) + 1);
  }
  return (emit as (this: tls.Server, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof emit;

// Addresses: 127.153.10.0/24 (LAN-like), 127.153.210.0/24 (tailnet-like).
const sim = await startSimRig({ nodes: 0, extras: false, phones: PHONES, lanCidr: '127.153.10.0/24', tailnetCidr: '127.153.210.0/24', port: 0, idPrefix: 'pb' });
const { dir, cleanup } = makeTempDir('rigmap-phones-bench-');
const server = spawn(process.execPath, [join(root, 'bin/rigmap.js'), 'serve', '--port', '0', '--db', join(dir, 'rigmap.db'), '--log-level', 'warn'], {
  env: { ...process.env, RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_TAILSCALE_SYNC: 'off', RIGMAP_BONJOUR: 'off', RIGMAP_NEVER_SEEN_AFTER_SEC: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const killServer = () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
};
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c) => {
    out += c;
    const m = /serving (http:\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const get = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
const imported = await fetch(`${url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
const ids = sim.nodes.map((n) => n.id);
const allUp = async () => (await Promise.all(ids.map((id) => get<{ state: string }>(`/api/devices/${id}/health`)))).every((h) => h.state === 'up');
const t0 = Date.now();
while (!(await allUp()) && Date.now() - t0 < 120_000) await sleep(250);
console.log(`${PHONES} phones (${PHONES * 2} paths) up after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// Steady state: handshakes and CPU. Settle first (the WebSocket opens, start-up polls pass).
await sleep(5000);
const before = new Map(handshakes);
const c0 = procUsage(server.pid!);
const w0 = performance.now();
await sleep(STEADY_MS);
const minutes = (performance.now() - w0) / 60_000;
const c1 = procUsage(server.pid!);
const perPath: number[] = [];
for (const n of sim.nodes) for (const ip of [n.lanIp, n.tailscaleIp]) if (ip) perPath.push(((handshakes.get(ip) ?? 0) - (before.get(ip) ?? 0)) / minutes);
const cpuPerPhone = ((c1.cpuS - c0.cpuS) / (minutes * 60)) * 100 / PHONES;
console.log(`TLS handshakes per minute per path (${perPath.length} paths, ${(minutes * 60).toFixed(0)} s): p50 ${pct(perPath, 50).toFixed(1)}, max ${Math.max(...perPath).toFixed(1)} (target ≤ 30)`);
console.log(`rigmap CPU per phone: ${cpuPerPhone.toFixed(2)} % of a core (${(c1.cpuS - c0.cpuS).toFixed(2)} CPU s over ${(minutes * 60).toFixed(0)} s, RSS ${(c1.rss / 1048576).toFixed(0)} MiB)`);

// App off screen: fault → app_closed alert, the phone's ports refused.
type AlertsDoc = { open: Alert[]; recent: Alert[] };
const openAlert = async (id: string, kind: string) => (await get<AlertsDoc>('/api/alerts?limit=200')).open.find((a) => a.deviceId === id && a.kind === kind);
const toAppClosed: number[] = [];
const strays: string[] = [];
for (let run = 0; run < RUNS; run++) {
  const id = ids[run % ids.length]!;
  const since = Math.max(0, ...(await get<AlertsDoc>('/api/alerts?limit=500')).open.map((a) => a.id), ...(await get<AlertsDoc>('/api/alerts?limit=500')).recent.map((a) => a.id));
  const start = Date.now();
  await sim.applyFault(id, { mode: 'app-closed' });
  let alert: Alert | undefined;
  while (!(alert = await openAlert(id, 'app_closed')) && Date.now() - start < 20_000) await sleep(50);
  if (!alert) throw new Error(`${id}: no app_closed within 20 s`);
  toAppClosed.push(Date.parse(alert.raisedAt) - start);
  await sim.applyFault(id, { mode: 'ok' });
  while ((await openAlert(id, 'app_closed')) && Date.now() - start < 60_000) await sleep(100);
  const { open, recent } = await get<AlertsDoc>('/api/alerts?limit=500');
  for (const a of [...open, ...recent]) if (a.id > since && a.kind !== 'app_closed') strays.push(`${a.kind}:${a.deviceId}`);
  while (!(await allUp())) await sleep(250);
}
console.log(`time to app_closed (fault → alert raised), ${RUNS} runs: p50 ${pct(toAppClosed, 50)} ms, max ${Math.max(...toAppClosed)} ms (target < 2000 ms); other alerts meanwhile: ${strays.join(', ') || 'none'}`);
server.kill('SIGTERM');
await sim.close();
cleanup();

// Walk-away in the lab: the phone's routes to the console blackholed (silence, nothing refused).
const why = labUnavailable();
if (why) {
  console.log(`time to device_lost for a walk-away: skipped (${why})`);
  process.exit(0);
}
// Defaults (probe interval 5 s), not the lab's 1 s polls; a 5 s flap window judges each walk on its own
// (several walks in a few minutes would rightly be flapping under the default 120 s).
const lab = await startLab({ tag: 'phb', octet: 4, cameras: 0, phones: 1, env: { RIGMAP_PROBE_INTERVAL_MS: '5000', RIGMAP_FLAP_WINDOW_SEC: '5' } });
const stop = () => lab.close();
process.on('exit', stop);
try {
  const found = await waitUntil('the phone in the inbox', 60_000, async () =>
    (await lab.get<{ discovered: Discovered[] }>('/api/discovered')).discovered.find((d) => d.info?.kind === 'blackmagic' && d.status === 'new'));
  await lab.post(`/api/discovered/${found.id}/accept`, { id: 'ph-01' });
  const toLost: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await waitUntil('ph-01 up', 60_000, async () => (await healthOf(lab, 'ph-01')).state === 'up');
    await sleep(3000); // the WebSocket is open again and the polls settled
    const since = await lastAlertId(lab);
    const start = Date.now();
    lab.walkAway('ph-01');
    try {
      const lost = await waitUntil('device_lost', 60_000, async () => (await alertsOf(lab)).open.find((a) => a.deviceId === 'ph-01' && a.kind === 'device_lost'));
      toLost.push(Date.parse(lost.raisedAt) - start);
    } finally {
      lab.walkBack('ph-01');
    }
    await waitUntil('device_lost resolved', 60_000, async () => !(await alertsOf(lab)).open.some((a) => a.deviceId === 'ph-01' && a.kind === 'device_lost')).catch(async (err: Error) => {
      throw new Error(`${err.message}; open: ${JSON.stringify((await alertsOf(lab)).open)}; health: ${JSON.stringify(await healthOf(lab, 'ph-01'))}`);
    });
    const raised = (await raisedSince(lab, since)).map((a) => a.kind);
    console.log(`walk-away ${run + 1}: device_lost after ${toLost.at(-1)} ms; raised ${raised.join(', ')}`);
  }
  console.log(`time to device_lost for a walk-away (lab blackhole, 1 phone, probe interval 5 s), ${RUNS} runs: p50 ${pct(toLost, 50)} ms, max ${Math.max(...toLost)} ms (target < 3000 ms)`);
} finally {
  stop();
}
