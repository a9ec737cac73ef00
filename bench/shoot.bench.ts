/**
 * Synchronized starts at scale: 20 starts of 50 simulated cameras whose clocks run
 * up to ±1 s off (new random skews each round), through a real rigmap server over
 * HTTP. Prints the start spread (latest − earliest true start instant, from the
 * simulator's own clock) p50/p95/max, the spread rigmap reports, and the error of
 * rigmap's clock-offset estimates (p95 over every camera and round) on loopback.
 */
import { loadConfig } from '../src/server/config.ts';
import { startServer } from '../src/server/main.ts';
import { startSimRig } from '../src/sim/rig.ts';
import type { CommandReport } from '../src/topology/commands/types.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { percentile, report } from './lib/stats.ts';

const CAMERAS = Number(process.env.SHOOT_BENCH_CAMERAS ?? 50);
const ROUNDS = Number(process.env.SHOOT_BENCH_ROUNDS ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A seeded generator, so two runs face the same skews.
let seed = 0x5eed;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

const sim = await startSimRig({ nodes: CAMERAS, lanCidr: '127.35.200.0/24', tailnetCidr: '127.135.200.0/24', port: 0, heartbeatMs: 1000, extras: false });
const { dir, cleanup } = makeTempDir('rigmap-shoot-bench-');
const server = await startServer(loadConfig({ db: `${dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 1000, tailscaleSync: 'off', bonjour: 'off', neverSeenAfterSec: 0 }, {}));
const post = async <T>(path: string, body: unknown): Promise<T> => (await (await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as T;
await post('/api/import', sim.manifest());
const ids = sim.nodes.map((n) => n.id);

const spreads: number[] = [];
const reported: number[] = [];
const estimateErrors: number[] = [];
const uncertainties: number[] = [];
let outside = 0;
let verified = 0;
try {
  for (let round = 0; round < ROUNDS; round++) {
    const skews = new Map(ids.map((id) => [id, Math.round((random() * 2 - 1) * 1000)]));
    await Promise.all(ids.map((id) => sim.applyFault(id, { mode: 'clock-skew', ms: skews.get(id)! })));
    // Two poll intervals: every camera's estimator has seen its new clock.
    await sleep(2500);
    for (const id of ids) {
      const h = (await (await fetch(`${server.url}/api/devices/${id}/health`)).json()) as { clock: { offsetMs: number; uncertaintyMs: number } | null };
      const err = h.clock ? Math.abs(h.clock.offsetMs - skews.get(id)!) : Number.POSITIVE_INFINITY;
      estimateErrors.push(err);
      uncertainties.push(h.clock?.uncertaintyMs ?? Number.POSITIVE_INFINITY);
      if (h.clock && err > h.clock.uncertaintyMs + 1) outside++;
    }
    const r = await post<CommandReport>('/api/commands', { action: 'record.start', role: 'camera', at: '+1.5s', concurrency: 50 });
    verified += r.sync?.verified ?? 0;
    if (r.sync?.spreadMs !== null && r.sync?.spreadMs !== undefined) reported.push(r.sync.spreadMs);
    const starts = sim.describe().map((n) => {
      const s = n.status as { recording: { since: string } | null };
      return s.recording ? Date.parse(s.recording.since) - n.clockSkewMs : null;
    }).filter((x): x is number => x !== null);
    spreads.push(starts.length === ids.length ? Math.max(...starts) - Math.min(...starts) : Number.POSITIVE_INFINITY);
    await post('/api/commands', { action: 'record.stop', role: 'camera', concurrency: 50 });
    process.stdout.write(`round ${round + 1}: spread ${spreads.at(-1)} ms (rigmap says ${reported.at(-1)} ms), ${r.sync?.verified}/${CAMERAS} verified\n`);
  }
} finally {
  await server.close();
  await sim.close();
  cleanup();
}

report(`start spread p50 (${ROUNDS} starts × ${CAMERAS} cameras, skew ±1 s)`, percentile(spreads, 50), 'ms');
report('start spread p95', percentile(spreads, 95), 'ms');
report('start spread max', Math.max(...spreads), 'ms', { max: 33 });
report('start spread rigmap reports, max', Math.max(...reported), 'ms');
report('verified cameras', (verified / (ROUNDS * CAMERAS)) * 100, '%');
report('clock-offset estimate error p95', percentile(estimateErrors, 95), 'ms', { max: 10 });
report('clock-offset estimate error max', Math.max(...estimateErrors), 'ms');
report('clock-offset stated uncertainty p95', percentile(uncertainties, 95), 'ms');
report('estimates off by more than their uncertainty', outside, `of ${estimateErrors.length}`);
