/**
 * Subnet scan of 127.33.20.0/24 against a simulated rig on its own port: every
 * camera node found and nothing else (not the hotspot, console and relay that
 * listen on the same port, not other test files' rigs on other ports); accept
 * from the inbox creates the device; a rescan does not duplicate it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import type { Discovered } from '../../src/topology/discovery/types.ts';
import type { ScanState } from '../../src/topology/discovery/scans.ts';
import { parseScanRange } from '../../src/topology/discovery/subnet-scan.ts';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';

async function waitScan(rig: TestRig, id: string): Promise<ScanState> {
  const until = Date.now() + 15_000;
  for (;;) {
    const state = (await (await rig.app.request(`/api/discovery/scans/${id}`)).json()) as ScanState;
    if (state.state !== 'running') return state;
    if (Date.now() > until) throw new Error(`scan ${id} still running: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('subnet scan', () => {
  let sim: SimRig;
  let rig: TestRig;
  const cameras = () => sim.nodes.filter((n) => n.role === 'camera');

  beforeAll(async () => {
    // Port 0: a port free on every address, so no other test file's rig shares it.
    sim = await startSimRig({ nodes: 4, lanCidr: '127.33.20.192/27', tailnetCidr: '127.133.20.192/27', port: 0, extras: true, idPrefix: 'dscs' });
    rig = makeTestRig();
  });
  afterAll(async () => {
    await sim?.close();
    rig?.close();
  });

  it('finds every camera node of 127.33.20.0/24 on the rig port and nothing else', async () => {
    const res = await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: '127.33.20.0/24', port: sim.nodes[0]!.port }));
    expect(res.status).toBe(202);
    const started = (await res.json()) as ScanState;
    expect(started).toMatchObject({ state: 'running', cidrs: ['127.33.20.0/24'], total: 254 });
    const done = await waitScan(rig, started.id);
    console.log(`scan of 127.33.20.0/24: ${done.durationMs} ms for ${done.total} hosts, ${done.found} node(s) (target < 3000 ms)`);
    expect(done).toMatchObject({ state: 'done', done: 254, found: cameras().length });
    const inbox = ((await (await rig.app.request('/api/discovered')).json()) as { discovered: Discovered[] }).discovered;
    expect(inbox.map((d) => [d.nodeId, d.ip, d.source, d.status]).sort()).toEqual(cameras().map((n) => [n.id, n.lanIp, 'scan', 'new']).sort());
    expect(done.discoveredIds.sort()).toEqual(inbox.map((d) => d.id).sort());
  });

  it('accepts a node into the map (with overrides) and does not duplicate it on a rescan', async () => {
    const inbox = ((await (await rig.app.request('/api/discovered?status=new')).json()) as { discovered: Discovered[] }).discovered;
    const [first, second] = [inbox.find((d) => d.nodeId === 'dscs-01')!, inbox.find((d) => d.nodeId === 'dscs-02')!];
    const accepted = await rig.app.request(`/api/discovered/${first.id}/accept`, { method: 'POST' });
    expect(accepted.status).toBe(201);
    const body = (await accepted.json()) as { device: { id: string; addresses: unknown[]; services: unknown[] }; discovered: Discovered };
    const node = sim.nodes.find((n) => n.id === 'dscs-01')!;
    expect(body.device).toMatchObject({
      id: 'dscs-01',
      name: node.name,
      role: 'camera',
      addresses: [{ network: 'lan', ip: node.lanIp, source: 'scan', lastSeen: expect.any(String) }],
      services: [{ name: 'camera-node', protocol: 'http', port: node.port, path: '/api/v1' }],
    });
    expect(body.discovered).toMatchObject({ status: 'accepted', matchedDeviceId: 'dscs-01' });
    const renamed = await rig.app.request(`/api/discovered/${second.id}/accept`, jsonInit('POST', { id: 'stage-left', role: 'monitor', name: 'Stage left' }));
    expect(((await renamed.json()) as { device: unknown }).device).toMatchObject({ id: 'stage-left', role: 'monitor', name: 'Stage left' });
    // Accepting twice is a conflict that names the device.
    const again = await rig.app.request(`/api/discovered/${first.id}/accept`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('dscs-01');

    const rescan = (await (await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: '127.33.20.192/27', port: node.port }))).json()) as ScanState;
    expect(await waitScan(rig, rescan.id)).toMatchObject({ state: 'done', found: cameras().length });
    const devices = ((await (await rig.app.request('/api/devices')).json()) as { devices: Array<{ id: string }> }).devices;
    expect(devices.map((d) => d.id).sort()).toEqual(['dscs-01', 'stage-left']);
    const after = ((await (await rig.app.request('/api/discovered')).json()) as { discovered: Discovered[] }).discovered;
    expect(after).toHaveLength(cameras().length);
    expect(after.filter((d) => d.status === 'new')).toHaveLength(cameras().length - 2);
  });

  it('ignores a node: it stays ignored when seen again', async () => {
    const item = ((await (await rig.app.request('/api/discovered?status=new')).json()) as { discovered: Discovered[] }).discovered[0]!;
    const res = await rig.app.request(`/api/discovered/${item.id}/ignore`, { method: 'POST' });
    expect(((await res.json()) as Discovered).status).toBe('ignored');
    const rescan = (await (await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: `${item.ip}/32`, port: item.port }))).json()) as ScanState;
    expect(await waitScan(rig, rescan.id)).toMatchObject({ found: 1 });
    const ignored = ((await (await rig.app.request('/api/discovered?status=ignored')).json()) as { discovered: Discovered[] }).discovered;
    expect(ignored.map((d) => d.id)).toEqual([item.id]);
  });

  it('cancels a running scan', async () => {
    // A /16 of loopback takes seconds; cancel it at once.
    const started = (await (await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: '127.3.0.0/16', port: sim.nodes[0]!.port }))).json()) as ScanState;
    const res = await rig.app.request(`/api/discovery/scans/${started.id}`, { method: 'DELETE' });
    const state = (await res.json()) as ScanState;
    expect(state.state).toBe('cancelled');
    expect(state.done).toBeLessThan(state.total);
  });

  it('refuses ranges wider than /16 unless forced, and bad ranges', async () => {
    const wide = await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: '127.0.0.0/15' }));
    expect(wide.status).toBe(400);
    expect(await wide.text()).toMatch(/wider than \/16.*forced/);
    expect(parseScanRange({ cidr: '127.0.0.0/15', force: true }).size).toBe(2 ** 17 - 2);
    const bad = await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: 'lan' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not a CIDR range');
    const unknown = await rig.app.request('/api/discovery/scans/scan-nope');
    expect(unknown.status).toBe(404);
  });
});
