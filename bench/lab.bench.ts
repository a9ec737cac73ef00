/**
 * Lab bench (root, iproute2): the silent hotspot outage on real network namespaces,
 * LAB_BENCH_RUNS times (default 20). 5 cameras at 1 s heartbeats. Each run: the
 * hotspot's bridge goes down; cam-05 also loses its LAN route (it will stay down);
 * the hotspot comes back after its alert. Prints alerts raised per outage (target
 * exactly 1), time to the hotspot alert p50/p95 (target p95 < 5 s), and time from
 * the hotspot's return to cam-05's own alert (target < 3 s).
 */
import type { Alert } from '../src/topology/health-types.ts';
import { labUnavailable } from '../test/lab/netns.ts';
import { alertsOf, lastAlertId, raisedSince, waitAllUp, waitUntil } from '../test/lab/lab-helpers.ts';
import { startLab } from '../test/lab/rig-lab.ts';
import { percentile as pct } from './lib/stats.ts';

const why = labUnavailable();
if (why) {
  console.log(`lab bench skipped: ${why}`);
  process.exit(0);
}
const RUNS = Number(process.env.LAB_BENCH_RUNS ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Twenty outages in a few minutes would (rightly) mark every camera flapping under the
// default 120 s flap window; a 5 s window judges each outage on its own.
const lab = await startLab({ tag: 'bench', octet: 9, env: { RIGMAP_FLAP_WINDOW_SEC: '5' } });
const stop = () => lab.close();
process.on('SIGINT', () => (stop(), process.exit(1)));
process.on('SIGTERM', () => (stop(), process.exit(1)));

const perOutage: number[] = [];
const toHotspot: number[] = [];
const toOwn: number[] = [];
const extras: string[] = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    await waitAllUp(lab, 120_000);
    const since = await lastAlertId(lab);
    const t0 = Date.now();
    lab.hotspotDown();
    lab.dropLanOf('cam-05');
    const hot = await waitUntil('hotspot alert', 20_000, async () => (await alertsOf(lab)).open.find((a) => a.deviceId === 'hotspot' && a.kind === 'device_lost'));
    toHotspot.push(Date.parse(hot.raisedAt) - t0);
    await sleep(4000); // every camera's hold and look-again have passed
    const during = await raisedSince(lab, since);
    const folded = during.find((a) => a.id === hot.id)?.folded.length ?? 0;
    perOutage.push(during.length);
    if (during.length !== 1) extras.push(`run ${run}: ${during.map((a) => `${a.kind}:${a.deviceId}`).join(', ')}`);
    const back = Date.now();
    lab.hotspotUp();
    const own = await waitUntil('cam-05 own alert', 20_000, async () => (await raisedSince(lab, hot.id)).find((a: Alert) => a.deviceId === 'cam-05')).catch(async (err: Error) => {
      const { open, recent } = await alertsOf(lab);
      const h = await Promise.all(['hotspot', 'cam-05'].map((id) => lab.get(`/api/devices/${id}/health`)));
      throw new Error(`${err.message}\nopen: ${JSON.stringify(open)}\nrecent: ${JSON.stringify(recent.slice(0, 4))}\nhealth: ${JSON.stringify(h)}`);
    });
    toOwn.push(Date.parse(own.raisedAt) - back);
    lab.restoreLanOf('cam-05');
    console.log(`run ${run}: ${during.length} alert(s) during the outage, hotspot alert after ${toHotspot.at(-1)} ms (${folded} folded), cam-05's own ${own.kind} ${toOwn.at(-1)} ms after the hotspot returned`);
  }
} finally {
  stop();
}
const exact = perOutage.filter((n) => n === 1).length;
console.log(`\nsilent hotspot outage, ${RUNS} runs, 5 cameras, 1 s heartbeats`);
console.log(`alerts per outage: exactly 1 in ${exact}/${RUNS} (max ${Math.max(...perOutage)})${extras.length ? `; ${extras.join('; ')}` : ''}`);
console.log(`time to the hotspot alert: p50 ${pct(toHotspot, 50)} ms, p95 ${pct(toHotspot, 95)} ms (target p95 < 5000 ms)`);
console.log(`folded camera's own alert after the hotspot returns: p50 ${pct(toOwn, 50)} ms, p95 ${pct(toOwn, 95)} ms, max ${Math.max(...toOwn)} ms (target < 3000 ms)`);
