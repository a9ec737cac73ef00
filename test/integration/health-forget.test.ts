/**
 * What the engine keeps about a path or device goes when it leaves the map: a
 * device removed and re-added under the same id starts unseen, and a path whose
 * address changed leaves no stale latency series in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type HealthHarness, startHarness } from './health-helpers.ts';

let h: HealthHarness;
const metrics = async () => (await fetch(`${h.server.url}/metrics`)).text();
const send = (method: string, path: string, body?: unknown) =>
  fetch(h.server.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.0.24.0/24', tailnetCidr: '127.124.0.0/16', nodes: 2 });
  for (const id of ['cam-01', 'cam-02']) await eventually(`${id} up`, async () => (await h.health(id)).state === 'up' && (await h.health(id)).lastSeen);
}, 30_000);
afterAll(async () => h?.close());

describe('the engine forgets what left the map', () => {
  it('a device removed and re-added under the same id has never been seen', async () => {
    const node = h.sim.nodes[0]!;
    expect((await h.health('cam-01')).lastSeen).not.toBeNull();
    expect((await send('DELETE', '/api/devices/cam-01')).status).toBe(200);
    await eventually('the server dropped cam-01', async () => !(await metrics()).includes('rigmap_device_up{device="cam-01"'));
    // Re-added on an address where nothing answers: it must not look seen a moment ago.
    const added = await send('POST', '/api/devices', { id: 'cam-01', role: 'camera', addresses: [{ network: 'lan', ip: '127.0.24.250' }], services: [{ name: 'camera-node', protocol: 'http', port: node.port, path: '/api/v1' }] });
    expect(added.status).toBe(201);
    const back = await eventually('cam-01 probed again', async () => {
      const d = await h.health('cam-01');
      return d.paths.length === 1 && d.paths[0]!.address === '127.0.24.250' && d.state === 'down' ? d : null;
    });
    expect(back.lastSeen).toBeNull();
  });

  it('a path whose address changed leaves no latency series for the old address', async () => {
    const node = h.sim.nodes[1]!;
    const series = (text: string, address: string) => text.split('\n').filter((l) => l.startsWith('rigmap_path_latency_seconds_count') && l.includes(`address="${address}"`));
    await eventually('latency recorded on the LAN address', async () => series(await metrics(), node.lanIp).length > 0);
    const res = await send('PATCH', '/api/devices/cam-02', { addresses: [{ network: 'tailscale', ip: node.tailscaleIp }] });
    expect(res.status).toBe(200);
    await eventually('only the Tailscale path left', async () => (await h.health('cam-02')).paths.length === 1);
    expect(series(await metrics(), node.lanIp)).toEqual([]);
    await eventually('latency still recorded on the Tailscale address', async () => series(await metrics(), node.tailscaleIp!).length > 0);
  });
});
