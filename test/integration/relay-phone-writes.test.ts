/**
 * The reach relay opens a phone's API for a producer, over real HTTPS against
 * simulated iPhones running Blackmagic Camera (self-signed certificates):
 * a viewer reads (GET), an operator writes (POST/PUT, audited), a viewer's
 * write is refused before the phone is contacted, a write's body is capped
 * and must be JSON, and a phone whose certificate is not its pin receives
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { listAudit } from '../../src/topology/access/audit.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import { RELAY_LIMITS } from '../../src/topology/relay/relay.ts';
import { trustOf } from '../../src/topology/trust/pins.ts';
import { type AuthRig, makeAuthRig } from './access-helpers.ts';

// Test addresses: 127.153.3.0/24 (LAN-like), 127.153.203.0/24 (tailnet-like).
let sim: SimRig;
let t: AuthRig;
let phone: string;
let other: string;
const FAKE = Array.from({ length: 32 }, () => 'CD').join(':');

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, extras: false, phones: 2, lanCidr: '127.153.3.0/24', tailnetCidr: '127.153.203.0/24', port: 0, idPrefix: 'rw' });
  t = await makeAuthRig();
  importInventory({ ctx: t.ctx, input: sim.manifest() });
  [phone, other] = sim.nodes.map((n) => n.id) as [string, string];
  // The second phone is pinned to a certificate it does not have (as if swapped since accept).
  trustOf(t.ctx).pinSeen(other, 'blackmagic', FAKE);
}, 60_000);
afterAll(async () => {
  t?.close();
  await sim?.close();
});

type Role = 'viewer' | 'operator';
const reach = (role: Role, method: string, path: string, body?: string, device = phone) =>
  t.app.request(`/reach/${device}/blackmagic${path}`, { method, headers: { ...t.bearer[role], ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body });
const recording = async (device = phone) => {
  const res = await reach('viewer', 'GET', '/transports/0/record', undefined, device);
  expect(res.status).toBe(200);
  return ((await res.json()) as { recording: boolean }).recording;
};

describe('reach relay: a phone over https, reads for viewers, writes for operators', () => {
  it('a viewer reads the phone through the relay', async () => {
    const res = await reach('viewer', 'GET', '/system/product');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-rigmap-path')).toMatch(/^lan 127\.153\.3\.\d+$/);
    expect(await res.json()).toMatchObject({ deviceName: expect.any(String) });
    expect(await recording()).toBe(false);
  });

  it("a viewer's write is refused (403, audited as denied) and the phone does not record", async () => {
    const res = await reach('viewer', 'POST', '/transports/0/record', JSON.stringify({ clipName: 'sneaky' }));
    expect(res.status).toBe(403);
    expect(await recording()).toBe(false);
    expect(listAudit({ ctx: t.ctx, action: 'denied' }).some((a) => a.actor === 'token:t-viewer' && a.target === `POST /reach/${phone}/blackmagic/transports/0/record`)).toBe(true);
  });

  it('an operator starts a take with POST (clip name passed on) and stops it with PUT, both audited', async () => {
    const start = await reach('operator', 'POST', '/transports/0/record', JSON.stringify({ clipName: 'Scene 4 take 2' }));
    expect(start.status).toBe(204);
    expect(await recording()).toBe(true);
    // What the phone itself holds (the simulator's view): the clip name arrived intact.
    expect(sim.describe().find((n) => n.id === phone)?.status).toMatchObject({ recording: true, clipName: 'Scene 4 take 2' });
    const stop = await reach('operator', 'PUT', '/transports/0/record', JSON.stringify({ recording: false }));
    expect(stop.status).toBe(204);
    expect(await recording()).toBe(false);
    const writes = listAudit({ ctx: t.ctx }).filter((a) => a.actor === 'token:t-operator' && a.action.endsWith(' /reach/:device/:service/*'));
    expect(writes.map((a) => `${a.action.split(' ')[0]} ${a.target}`).sort()).toEqual([
      `POST /reach/${phone}/blackmagic/transports/0/record`,
      `PUT /reach/${phone}/blackmagic/transports/0/record`,
    ]);
  });

  it('a body that is not JSON, or over the cap, is refused before the phone is contacted', async () => {
    const bad = await reach('operator', 'POST', '/transports/0/record', 'clipName=x');
    expect(bad.status).toBe(400);
    const big = await reach('operator', 'POST', '/transports/0/record', JSON.stringify({ clipName: 'x'.repeat(RELAY_LIMITS.maxWriteBytes) }));
    expect(big.status).toBe(413);
    expect(await recording()).toBe(false);
  });

  it('a phone whose certificate is not its pin receives no write (502 naming the change)', async () => {
    const res = await reach('operator', 'POST', '/transports/0/record', JSON.stringify({ clipName: 'impostor' }), other);
    expect(res.status).toBe(502);
    expect(JSON.stringify(await res.json())).toMatch(/certificate of .* changed/);
    trustOf(t.ctx).trust(other); // pin what it really shows, to look at it
    expect(await recording(other)).toBe(false);
  });
});
