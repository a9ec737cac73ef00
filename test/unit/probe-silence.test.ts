/**
 * Heartbeat silence is judged on what arrived, not on how late our own timers
 * ran: an event-loop stall longer than the silence limit (GC, a busy CPU, a big
 * import) while the node keeps beating is no lost path. A node that really goes
 * silent still is. Against a simulated camera node over real HTTP.
 */
import http from 'node:http';
import https from 'node:https';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { CameraNodeRunner } from '../../src/topology/probes/camera-node.ts';
import type { ProbeFailure } from '../../src/topology/probes/path-machine.ts';
import type { ProbeTarget } from '../../src/topology/probes/targets.ts';
import { until } from '../helpers/eventually.ts';

let sim: SimRig;
beforeAll(async () => {
  sim = await startSimRig({ nodes: 1, lanCidr: '127.33.15.0/24', tailnetCidr: '127.133.15.0/24', heartbeatMs: 100, extras: false, idPrefix: 'quiet' });
}, 20_000);
afterAll(async () => sim?.close());

function startRunner() {
  const node = sim.nodes[0]!;
  const target: ProbeTarget = {
    key: 'quiet-01|camera-node|lan', deviceId: node.id, network: 'lan', address: node.lanIp, service: 'camera-node', port: node.port,
    kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 60_000, inScope: true,
  };
  const failures: ProbeFailure[] = [];
  let beats = 0;
  const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const streamAgent = new http.Agent({ keepAlive: false });
  const tlsPollAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const tlsStreamAgent = new https.Agent({ keepAlive: false });
  const runner = new CameraNodeRunner({
    target, limit: pLimit(4), pollAgent, streamAgent, tlsPollAgent, tlsStreamAgent, timeoutMs: 3000, heartbeatFactor: 2.5,
    sink: { ok: () => undefined, fail: (f) => failures.push(f), status: () => undefined, heartbeat: () => beats++ },
  });
  runner.start(0);
  return {
    failures,
    beats: () => beats,
    stop: () => {
      runner.stop();
      for (const agent of [pollAgent, streamAgent, tlsPollAgent, tlsStreamAgent]) agent.destroy();
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Block the event loop, as a long GC pause or a busy CPU does. */
const stall = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('heartbeat silence', () => {
  it('an event-loop stall longer than the silence limit is not a lost path while the node keeps beating', async () => {
    const r = startRunner();
    try {
      await until(() => r.beats() >= 3, 'heartbeats', 10_000);
      // Limit: 2.5 × 100 ms. Stall well past it, several times.
      for (let i = 0; i < 4; i++) {
        stall(700);
        await pause(300);
      }
      expect(r.failures.filter((f) => f.category === 'heartbeat_silent')).toEqual([]);
    } finally {
      r.stop();
    }
  });

  it('a node that stays connected but goes silent is lost', async () => {
    const r = startRunner();
    try {
      await until(() => r.beats() >= 3, 'heartbeats', 10_000);
      await sim.applyFault('quiet-01', { mode: 'hang' });
      await until(() => r.failures.some((f) => f.category === 'heartbeat_silent'), 'a silence failure', 10_000);
      expect(r.failures.find((f) => f.category === 'heartbeat_silent')?.reason).toMatch(/^heartbeat silent for \d+\.\d s$/);
    } finally {
      r.stop();
      await sim.applyFault('quiet-01', { mode: 'ok' });
    }
  });
});
