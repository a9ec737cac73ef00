/**
 * A Blackmagic camera whose firmware has no event WebSocket: rigmap polls it at
 * the probe interval, and a camera that stops answering is lost after K failed
 * polls (K = 2 here), with the device_lost alert raised from that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlackmagicHarness, eventually, startBlackmagicHarness } from './blackmagic-helpers.ts';

const INTERVAL_MS = 500;
let h: BlackmagicHarness;

beforeAll(async () => {
  h = await startBlackmagicHarness({ lanCidr: '127.37.2.0/24', tailnetCidr: '127.137.2.0/24', nodes: 0, blackmagic: 2, websocket: false, intervalMs: INTERVAL_MS });
  await eventually('both cameras up', async () => (await h.health('bmd-01')).state === 'up' && (await h.health('bmd-02')).state === 'up', 30_000);
}, 40_000);
afterAll(async () => h?.close());

describe('a Blackmagic camera without the event WebSocket', () => {
  it('is polled: status read from the REST API, no socket held open', async () => {
    const d = await eventually('bmd-01 status', async () => {
      const x = await h.health('bmd-01');
      return x.status ? x : null;
    });
    expect(d.status).toMatchObject({ state: 'idle', product: { productName: 'Blackmagic PYXIS 6K', softwareVersion: '9.2' } });
    expect(d.runway?.storageMinutes).toEqual(expect.any(Number));
    // No WebSocket: no heartbeat age on any path, and the simulator holds no socket.
    expect(d.paths.map((p) => p.heartbeatAgeMs)).toEqual([null, null]);
    expect(h.sim.describe().find((n) => n.id === 'bmd-01')!.openStreams).toBe(0);
  });

  it('a recording started on the camera shows at the next poll', async () => {
    const node = h.sim.nodes.find((n) => n.id === 'bmd-02')!;
    const res = await fetch(`http://${node.lanIp}:${node.port}/control/api/v1/transports/0/record`, { method: 'POST' });
    expect(res.status).toBe(204);
    await eventually('bmd-02 recording in its health', async () => (await h.health('bmd-02')).status?.state === 'recording');
    await fetch(`http://${node.lanIp}:${node.port}/control/api/v1/transports/0/stop`, { method: 'POST' });
  });

  it('hang: lost after 2 failed polls and alerted', async () => {
    const faultAt = Date.now();
    await h.sim.applyFault('bmd-01', { mode: 'hang' });
    const down = await eventually('bmd-01 down', async () => {
      const x = await h.health('bmd-01');
      return x.state === 'down' ? x : null;
    });
    const lan = down.transitions.find((t) => t.network === 'lan' && t.to === 'down');
    expect(lan?.reason).toMatch(/no answer from \/control\/api\/v1\/system\/product within 0\.5 s/);
    // K = 2 polls at 500 ms, each waiting its 500 ms timeout: the bound, with room for a loaded machine.
    const since = Date.parse(down.paths.find((p) => p.network === 'lan')!.since!);
    expect(since - faultAt).toBeLessThan(2 * (INTERVAL_MS + 500) + INTERVAL_MS + 6000);
    await eventually('device_lost alert', async () => (await h.openAlerts()).some((a) => a.deviceId === 'bmd-01' && a.kind === 'device_lost'));
    await h.sim.applyFault('bmd-01', { mode: 'ok' });
    await eventually('bmd-01 up again', async () => (await h.health('bmd-01')).state === 'up');
  });
});
