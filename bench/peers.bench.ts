/**
 * Side by side with what users would pick instead: one simulated rig (PEERS_BENCH_NODES,
 * default 200 nodes × 2 paths, 1 s heartbeats) watched in the same run by a rigmap server
 * (its defaults) and by Prometheus + blackbox_exporter (Debian packages; scrape_interval
 * 1 s, scrape timeout 900 ms, probe timeout 800 ms, a `probe_success == 0` rule evaluated
 * every second; blackbox's --timeout-offset 0.1 so its probes really get 800 ms) probing
 * the same /api/v1/status targets. Faults `down` (refused) and
 * `hang` (accepts, never answers: silent) on 20 nodes each. Prints per tool detection
 * p50/p95/p99 per fault kind, CPU s per minute and RSS over the same steady window, the
 * ratios, and one summary line. Skips with a message when the packages are missing.
 * Detection: rigmap, the path.state "down" event on its /api/events; the peer, the
 * alert's activeAt (the rule evaluation that first saw it) from Prometheus's /api/v1/alerts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimRig } from '../src/sim/rig.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { procUsage, watchPathStates } from './lib/rigmap-process.ts';
import { percentile } from './lib/stats.ts';

const missing = ['prometheus', 'prometheus-blackbox-exporter'].filter((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status !== 0);
if (missing.length) {
  process.stdout.write(`peers bench skipped: ${missing.join(' and ')} not installed (Debian packages prometheus, prometheus-blackbox-exporter)\n`);
  process.exit(0);
}

const N = Number(process.env.PEERS_BENCH_NODES ?? 200);
const FAULTED = Math.min(20, Math.floor(N / 4));
const STEADY_MS = Number(process.env.PEERS_BENCH_STEADY_MS ?? 30_000);
const PROM = '127.38.6.250:9090';
const BLACKBOX = '127.38.6.251:9115';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130));

const { dir, cleanup } = makeTempDir('rigmap-peers-bench-');
const sim = await startSimRig({ nodes: N, lanCidr: '127.38.6.0/24', tailnetCidr: '127.138.6.0/24', heartbeatMs: 1000, extras: false, idPrefix: 'pn' });

// rigmap, at its defaults, in its own process.
const server = spawn(process.execPath, [join(root, 'bin/rigmap.js'), 'serve', '--port', '0', '--db', join(dir, 'rigmap.db'), '--log-level', 'info'], {
  env: { ...process.env, RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_TAILSCALE_SYNC: 'off', RIGMAP_BONJOUR: 'off', RIGMAP_NEVER_SEEN_AFTER_SEC: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.push(server);
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c) => {
    out += c;
    const m = /"url":"(http:[^"]+)"/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`rigmap exited ${code}`)));
});
const imported = await fetch(`${url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
const rigmapDownAt = new Map<string, number>();
await watchPathStates(url, (d) => {
  const key = `${d.deviceId}|${d.path.network}`;
  if (d.path.state === 'down' && !rigmapDownAt.has(key)) rigmapDownAt.set(key, Date.now());
});

// The peer: blackbox_exporter probing every path's /status, Prometheus scraping it every second.
const paths = sim.nodes.flatMap((n) => [{ key: `${n.id}|lan`, target: `http://${n.lanIp}:${n.port}/api/v1/status` }, { key: `${n.id}|tailscale`, target: `http://${n.tailscaleIp}:${n.port}/api/v1/status` }]);
const keyOfTarget = new Map(paths.map((p) => [p.target, p.key]));
writeFileSync(join(dir, 'blackbox.yml'), 'modules:\n  http_status:\n    prober: http\n    timeout: 800ms\n    http:\n      valid_status_codes: [200]\n      preferred_ip_protocol: ip4\n');
writeFileSync(join(dir, 'rules.yml'), 'groups:\n  - name: peers\n    interval: 1s\n    rules:\n      - alert: PathDown\n        expr: probe_success == 0\n');
writeFileSync(join(dir, 'prometheus.yml'), [
  'global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }',
  'rule_files: [rules.yml]',
  'scrape_configs:',
  '  - job_name: blackbox',
  '    metrics_path: /probe',
  '    params: { module: [http_status] }',
  `    static_configs: [{ targets: ${JSON.stringify(paths.map((p) => p.target))} }]`,
  '    relabel_configs:',
  '      - { source_labels: [__address__], target_label: __param_target }',
  '      - { source_labels: [__param_target], target_label: instance }',
  `      - { target_label: __address__, replacement: '${BLACKBOX}' }`,
  '',
].join('\n'));
const blackbox = spawn('prometheus-blackbox-exporter', [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=${BLACKBOX}`, '--timeout-offset=0.1', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
children.push(blackbox);
const prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=${PROM}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
children.push(prometheus);

const promQuery = async (q: string) => ((await (await fetch(`http://${PROM}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
const upCount = async () => ((await (await fetch(`${url}/healthz`)).json()) as { probes: { up: number } }).probes.up;
const t0 = Date.now();
for (;;) {
  const rig = await upCount().catch(() => 0);
  const peer = Number((await promQuery('count(probe_success == 1)').catch(() => []))[0]?.value[1] ?? 0);
  if (rig >= 2 * N && peer >= 2 * N) break;
  if (Date.now() - t0 > 120_000) {
    // A loaded machine can keep the peer from ever seeing every path up: say so and measure anyway.
    process.stdout.write(`not all paths up after 120 s (rigmap ${rig}, peer ${peer} of ${2 * N}): measuring anyway\n`);
    break;
  }
  await sleep(500);
}
process.stdout.write(`all ${2 * N} paths up in both tools after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
await sleep(5000); // let rigmap's detectors learn the streams' rhythm

// Steady state: CPU and RSS of each tool over the same window.
const peerPids = [prometheus.pid!, blackbox.pid!];
const r0 = procUsage(server.pid!);
const q0 = peerPids.map(procUsage);
const downsBefore = rigmapDownAt.size;
const peerFalseBefore = Number((await promQuery('count(probe_success == 0)'))[0]?.value[1] ?? 0);
await sleep(STEADY_MS);
const falseDowns = rigmapDownAt.size - downsBefore;
const peerFalse = Number((await promQuery('count(probe_success == 0)'))[0]?.value[1] ?? 0) + peerFalseBefore;
const r1 = procUsage(server.pid!);
const q1 = peerPids.map(procUsage);
const perMin = (a: number, b: number) => ((b - a) / STEADY_MS) * 60_000;
const rigCpu = perMin(r0.cpuS, r1.cpuS);
const peerCpu = q1.reduce((s, p, i) => s + perMin(q0[i]!.cpuS, p.cpuS), 0);
const peerRss = q1.reduce((s, p) => s + p.rss, 0);

/** Fault `ids`, wait until both tools saw every path down (or 20 s), then clear. */
async function detect(mode: 'down' | 'hang', ids: string[]): Promise<{ rigmap: number[]; peer: number[] }> {
  const keys = ids.flatMap((id) => [`${id}|lan`, `${id}|tailscale`]);
  for (const k of keys) rigmapDownAt.delete(k);
  const started = Date.now();
  for (const id of ids) sim.setFault(id, { mode });
  const peerAt = new Map<string, number>();
  while (Date.now() - started < 20_000) {
    const alerts = ((await (await fetch(`http://${PROM}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: { instance: string }; activeAt: string }> } }).data.alerts;
    for (const a of alerts) {
      const key = keyOfTarget.get(a.labels.instance);
      const at = Date.parse(a.activeAt);
      if (key && at >= started && !peerAt.has(key)) peerAt.set(key, at);
    }
    if (keys.every((k) => rigmapDownAt.has(k) && peerAt.has(k))) break;
    await sleep(200);
  }
  for (const id of ids) sim.setFault(id, { mode: 'ok' });
  const rigmap = keys.flatMap((k) => (rigmapDownAt.has(k) ? [rigmapDownAt.get(k)! - started] : []));
  const peer = keys.flatMap((k) => (peerAt.has(k) ? [peerAt.get(k)! - started] : []));
  return { rigmap, peer };
}
const ids = sim.nodes.map((n) => n.id);
const refused = await detect('down', ids.slice(0, FAULTED));
await sleep(8000); // both tools see everything up again; rigmap's alerts settle
const silent = await detect('hang', ids.slice(FAULTED, 2 * FAULTED));

const p = (xs: number[], q: number) => percentile(xs, q);
const trio = (xs: number[]) => `${p(xs, 50).toFixed(0)}/${p(xs, 95).toFixed(0)}/${p(xs, 99).toFixed(0)}`;
const line = (name: string, a: string, b: string, ratio: string) => process.stdout.write(`${name.padEnd(36)} ${a.padStart(16)} ${b.padStart(16)} ${ratio.padStart(10)}\n`);
process.stdout.write(`\npeers bench: ${N} nodes × 2 paths, node heartbeats 1 s, ${FAULTED} nodes per fault, steady window ${STEADY_MS / 1000} s\n`);
line('', 'rigmap', 'prom+blackbox', 'ratio');
line('refused (down) p50/p95/p99 ms', trio(refused.rigmap), trio(refused.peer), (p(refused.rigmap, 99) / p(refused.peer, 99)).toFixed(2));
line('  paths detected', `${refused.rigmap.length}/${2 * FAULTED}`, `${refused.peer.length}/${2 * FAULTED}`, '');
line('silent (hang) p50/p95/p99 ms', trio(silent.rigmap), trio(silent.peer), (p(silent.rigmap, 99) / p(silent.peer, 99)).toFixed(2));
line('  paths detected', `${silent.rigmap.length}/${2 * FAULTED}`, `${silent.peer.length}/${2 * FAULTED}`, '');
line('CPU s per minute (steady)', rigCpu.toFixed(1), peerCpu.toFixed(1), (rigCpu / peerCpu).toFixed(2));
line('RSS MB', (r1.rss / 1e6).toFixed(0), (peerRss / 1e6).toFixed(0), (r1.rss / peerRss).toFixed(2));
line('false downs in the steady window', String(falseDowns), `${peerFalse} (at its ends)`, '');
process.stdout.write(`targets: silent p99 < 1000 ms and < half the peer's; CPU < 1/4 of the peer's\n`);
process.stdout.write(`peers: silent p99 rigmap ${p(silent.rigmap, 99).toFixed(0)} ms / peer ${p(silent.peer, 99).toFixed(0)} ms; refused p99 rigmap ${p(refused.rigmap, 99).toFixed(0)} ms / peer ${p(refused.peer, 99).toFixed(0)} ms; CPU rigmap ${rigCpu.toFixed(1)} s/min / peer ${peerCpu.toFixed(1)} s/min\n`);

server.kill('SIGTERM');
prometheus.kill('SIGTERM');
blackbox.kill('SIGTERM');
await Promise.all(children.map((c) => Promise.race([new Promise((r) => c.once('exit', r)), sleep(8000)])));
killAll();
await sim.close();
cleanup();
process.exit(0);
