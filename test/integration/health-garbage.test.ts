/**
 * The simulator's `garbage` fault (docs/camera-node-contract.md): /status answers
 * 200 with a body that is not JSON and the event stream sends events whose data is
 * not JSON. Such a node is broken: its path goes down with a reason a crew member
 * can read, stays down while the stream keeps sending, and comes back once fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type HealthHarness, pause, startHarness } from './health-helpers.ts';

let h: HealthHarness;
const lan = async (id: string) => (await h.health(id)).paths.find((p) => p.network === 'lan');

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.0.20.0/24', tailnetCidr: '127.120.0.0/16', nodes: 1 });
  await eventually('cam-01 up', async () => (await h.health('cam-01')).state === 'up');
}, 30_000);
afterAll(async () => h?.close());

describe('a node answering garbage', () => {
  it('marks the path down with a readable reason, keeps it down while the stream still sends, and recovers', async () => {
    await h.sim.applyFault('cam-01', { mode: 'garbage', path: 'lan' });
    const down = await eventually('LAN path down', async () => {
      const p = await lan('cam-01');
      return p?.state === 'down' ? p : null;
    });
    const address = h.sim.nodes[0]!.lanIp;
    expect(down.lastError).toMatch(new RegExp(`garbled (hello|status|heartbeat) event from ${address.replaceAll('.', '\\.')}:\\d+|unreadable answer from /api/v1/status`));
    // Heartbeats (garbled) keep arriving at 200 ms: none of them may bring the path back.
    for (let i = 0; i < 10; i++) {
      await pause(200);
      expect((await lan('cam-01'))?.state).toBe('down');
    }
    const { transitions } = await h.get<{ transitions: Array<{ network: string; to: string }> }>('/api/devices/cam-01/health?transitions=20');
    const lanChanges = transitions.filter((t) => t.network === 'lan').map((t) => t.to);
    expect(lanChanges[0]).toBe('down');
    expect(lanChanges.filter((s) => s === 'up')).toHaveLength(1); // only the first sighting
    await h.sim.applyFault('cam-01', { mode: 'ok' });
    await eventually('LAN path back up', async () => (await lan('cam-01'))?.state === 'up');
  }, 40_000);
});
