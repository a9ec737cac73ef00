/**
 * Silent drop on a real network (root, iproute2): a camera walks out of range
 * (blackhole routes in its namespace: nothing refused, nothing answered) while
 * rigmap runs at its defaults (asks every node for 500 ms heartbeats, adaptive
 * silence detector). SILENT_BENCH_RUNS times (default 20), 3 cameras whose own
 * rate is 1 s. Prints the time from the fault to the path's `down` transition
 * (rigmap's own timestamp, same machine clock) per path, p50/p95/max
 * (target: under 1 s), and to the device's `device_lost` alert.
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
// Many walks in a few minutes would (rightly) mark the camera flapping under the default 120 s window.
const lab = await startLab({ tag: 'silent', octet: 10, cameras: 3, env: { RIGMAP_FLAP_WINDOW_SEC: '5' } });
const stop = () => lab.close();
process.on('SIGINT', () => (stop(), process.exit(1)));
process.on('SIGTERM', () => (stop(), process.exit(1)));

type Health = DeviceHealth & { transitions: { network: string; to: string; at: string }[] };
const toDown: number[] = [];
const toAlert: number[] = [];
try {
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
console.log(`\nsilent drop (blackhole), ${RUNS} runs, rigmap defaults (asks 500 ms heartbeats)`);
console.log(`path down after the fault: p50 ${pct(toDown, 50)} ms, p95 ${pct(toDown, 95)} ms, max ${Math.max(...toDown)} ms over ${toDown.length} paths (target < 1000 ms)`);
console.log(`device_lost alert after the fault: p50 ${pct(toAlert, 50)} ms, p95 ${pct(toAlert, 95)} ms, max ${Math.max(...toAlert)} ms`);
