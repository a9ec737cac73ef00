/**
 * The health bench's simulator in its own process, so its heartbeats do not
 * compete with the bench's own bookkeeping and a reader can see what the
 * simulator costs. Argument: the startSimRig options as JSON. Prints one JSON
 * line `{nodes, manifest}`, then answers one JSON line per request on stdin
 * (bench/lib/health-sim.ts is the other end).
 */
import { createInterface } from 'node:readline';
import { startSimRig } from '../../src/sim/rig.ts';
import type { SimFault } from '../../src/sim/types.ts';
import { type SimRequest, simStatsWindow } from './health-sim.ts';

const rig = await startSimRig(JSON.parse(process.argv[2] ?? '{}'));
const send = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
send({ nodes: rig.nodes, manifest: rig.manifest() });

const stats = simStatsWindow(rig.beatLag);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const req = JSON.parse(line) as SimRequest;
  if (req.op === 'faults') {
    // Wall-clock instant (sub-ms) the first fault took effect: the bench measures detection from here.
    const appliedAt = performance.timeOrigin + performance.now();
    for (const id of req.ids) rig.setFault(id, { mode: req.mode } as SimFault);
    send({ seq: req.seq, appliedAt });
  } else send({ seq: req.seq, stats: stats(req.reset) });
});
lines.on('close', () => void rig.close().then(() => process.exit(0)));
