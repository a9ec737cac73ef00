/**
 * Silent drop on a real network (root, iproute2): a camera walks out of range
 * (blackhole routes in its namespace: nothing refused, nothing answered) while
 * rigmap runs with its adaptive silence detector, asking for
 * SILENT_BENCH_HEARTBEAT_MS heartbeats (default 1000; 500 is rigmap's own
 * default). 3 cameras whose own rate is 1 s. Two phases:
 * - cold (issue 25 item 9): SILENT_BENCH_COLD_RUNS fresh labs (default 3); in
 *   each, every camera walks away in the first 10 s after rigmap started (3 s
 *   after all are up: past the third beat, before 8 intervals are learned);
 * - steady: SILENT_BENCH_RUNS walks (default 20) of one camera at a time.
 * Prints, per phase, the time from the fault to the path's `down` transition
 * (rigmap's own timestamp, same machine clock), p50/p95/max (target: under
 * 1.5 s at 1 s heartbeats), and to the device's `device_lost` alert.
 */
import type { DeviceHealth } from '../src/topology/health-types.ts';
import { labUnavailable } from '../test/lab/netns.ts';
import { alertsOf, waitAllUp, waitUntil } from '../test/lab/lab-helpers.ts';
import { startLab } from '../test/lab/rig-lab.ts';
import { percentile as pct } from './lib/stats.ts';

const why = labUnavailable();
if (why) {
  console.log(`silent-drop bench skipped: ${why}`);
  process.exit(0);
}
const RUNS = Number(process.env.SILENT_BENCH_RUNS ?? 20);
const COLD_RUNS = Number(process.env.SILENT_BENCH_COLD_RUNS ?? 3);
const HEARTBEAT_MS = process.env.SILENT_BENCH_HEARTBEAT_MS ?? '1000';
const OCTET = Number(process.env.SILENT_BENCH_OCTET ?? 5);
// Many walks in a few minutes would (rightly) mark the camera flapping under the default 120 s window.
const env = { RIGMAP_FLAP_WINDOW_SEC: '5', RIGMAP_HEARTBEAT_MS: HEARTBEAT_MS };

type ColdHealth = DeviceHealth & { transitions: { network: string; to: string; at: string }[] };
const coldDown: number[] = [];
const coldAfterStart: number[] = [];
for (let run = 1; run <= COLD_RUNS; run++) {
  const cold = await startLab({ tag: 'silcold', octet: OCTET, cameras: 3, env });
  const startedAt = Date.now();
  try {
    await waitAllUp(cold, 60_000);
    // Every path's event stream subscribed (a path is up on its first poll, its stream may come later)...
    await waitUntil('every event stream subscribed', 30_000, async () => {
      const hs = await Promise.all(cold.cameraIds.map((cam) => cold.get<ColdHealth>(`/api/devices/${cam}/health`)));
      return hs.every((h) => h.paths.every((p) => p.heartbeatAgeMs !== null));
    });
    // ...and past its third beat, well before the detector has learned 8 intervals.
    await new Promise((r) => setTimeout(r, 3 * Number(HEARTBEAT_MS)));
    const t0 = Date.now();
    coldAfterStart.push(t0 - startedAt);
    for (const cam of cold.cameraIds) cold.walkAway(cam);
    const times: string[] = [];
    for (const cam of cold.cameraIds) {
      const h = await waitUntil(`${cam} down on both paths`, 15_000, async () => {
        const x = await cold.get<ColdHealth>(`/api/devices/${cam}/health?transitions=10`);
        return x.paths.every((p) => p.state === 'down') ? x : null;
      });
      for (const net of ['lan', 'tailscale']) {
        const d = h.transitions.find((t) => t.network === net && t.to === 'down' && Date.parse(t.at) >= t0);
        if (d) coldDown.push(Date.parse(d.at) - t0);
        times.push(d ? `${Date.parse(d.at) - t0} ms` : '?');
      }
    }
    console.log(`cold run ${run}: fault ${((t0 - startedAt) / 1000).toFixed(1)} s after rigmap started; paths down after ${times.join(' / ')}`);
  } finally {
    cold.close();
  }
}

const lab = await startLab({ tag: 'silent', octet: OCTET, cameras: 3, env });
const stop = () => lab.close();
process.on('SIGINT', () => (stop(), process.exit(1)));
process.on('SIGTERM', () => (stop(), process.exit(1)));

type Health = DeviceHealth & { transitions: { network: string; to: string; at: string }[] };
const toDown: number[] = [];
const toAlert: number[] = [];
try {
  // Steady state: past the first 10 s after start (the cold phase above measures those).
  await waitAllUp(lab, 120_000);
  await new Promise((r) => setTimeout(r, 10_000));
  for (let run = 1; run <= RUNS; run++) {
    await waitAllUp(lab, 120_000);
    const cam = lab.cameraIds[run % lab.cameraIds.length]!;
    const t0 = Date.now();
    lab.walkAway(cam);
    try {
      const h = await waitUntil(`${cam} down on both paths`, 15_000, async () => {
        const x = await lab.get<Health>(`/api/devices/${cam}/health?transitions=10`);
        return x.paths.every((p) => p.state === 'down') ? x : null;
      });
      const downs = ['lan', 'tailscale'].map((net) => h.transitions.find((t) => t.network === net && t.to === 'down' && Date.parse(t.at) >= t0));
      for (const d of downs) if (d) toDown.push(Date.parse(d.at) - t0);
      const alert = await waitUntil(`${cam} device_lost`, 15_000, async () => (await alertsOf(lab)).open.find((a) => a.deviceId === cam && a.kind === 'device_lost'));
      toAlert.push(Date.parse(alert.raisedAt) - t0);
      console.log(`run ${run}: ${cam} paths down after ${downs.map((d) => (d ? `${Date.parse(d.at) - t0} ms` : '?')).join(' / ')}, device_lost after ${toAlert.at(-1)} ms`);
    } finally {
      lab.walkBack(cam);
    }
  }
} finally {
  stop();
}
console.log(`\nsilent drop (blackhole), asking ${HEARTBEAT_MS} ms heartbeats`);
if (COLD_RUNS > 0) {
  console.log(`cold (first 10 s after start: faults ${Math.min(...coldAfterStart) / 1000}-${Math.max(...coldAfterStart) / 1000} s after start), ${COLD_RUNS} labs: path down after the fault p50 ${pct(coldDown, 50)} ms, p95 ${pct(coldDown, 95)} ms, max ${Math.max(...coldDown)} ms over ${coldDown.length} paths (target < 1500 ms at 1 s heartbeats)`);
}
console.log(`steady, ${RUNS} runs: path down after the fault p50 ${pct(toDown, 50)} ms, p95 ${pct(toDown, 95)} ms, max ${Math.max(...toDown)} ms over ${toDown.length} paths (target < 1500 ms at 1 s heartbeats)`);
console.log(`device_lost alert after the fault: p50 ${pct(toAlert, 50)} ms, p95 ${pct(toAlert, 95)} ms, max ${Math.max(...toAlert)} ms`);
