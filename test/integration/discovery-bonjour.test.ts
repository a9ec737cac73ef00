/**
 * Bonjour browsing against `rigmap sim --advertise` pinned to loopback: every
 * node shows up in the inbox (fetched over /api/v1/info), a known node is not
 * duplicated, and a node that stops advertising is noticed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { BonjourBrowser } from '../../src/topology/discovery/bonjour-browser.ts';
import { listDiscovered } from '../../src/topology/discovery/inbox.ts';
import type { DeviceDiscoveredEvent } from '../../src/topology/discovery/types.ts';
import { createDevice, getDevice, listDevices } from '../../src/topology/devices.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger, startServer } from '../../src/server/main.ts';
import { makeTempDir, makeTestRig, type TestRig } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const LOOPBACK = (ip: string) => ip.startsWith('127.');


describe('Bonjour browsing on loopback', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(prefix: string, lanCidr: string, tailnetCidr: string, clock?: FakeClock): Promise<{ rig: TestRig; sim: SimRig; browser: BonjourBrowser; events: DeviceDiscoveredEvent[] }> {
    const rig = makeTestRig();
    cleanups.push(() => rig.close());
    const events: DeviceDiscoveredEvent[] = [];
    rig.bus.on('device.discovered', (e) => {
      if (e.data.discovered.nodeId?.startsWith(`${prefix}-`)) events.push(e.data);
    });
    const browser = new BonjourBrowser({ ctx: rig.ctx, iface: '127.0.0.1', inScope: LOOPBACK, recheckMs: 60_000, clock }).start();
    cleanups.push(() => browser.stop());
    const sim = await startSimRig({ nodes: 3, lanCidr, tailnetCidr, port: 0, advertise: true, extras: false, idPrefix: prefix, heartbeatMs: 1000 });
    cleanups.push(() => sim.close());
    return { rig, sim, browser, events };
  }

  it('finds every advertised node, fetched over /api/v1/info, each in about a second', async () => {
    const { rig, sim, events } = await setup('dscb', '127.33.17.160/28', '127.133.17.160/28');
    const started = Date.now();
    // Other test files may advertise too: only this rig's nodes are counted.
    const mine = () => listDiscovered({ ctx: rig.ctx }).filter((d) => d.nodeId?.startsWith('dscb-'));
    await eventually('every node in the inbox', () => mine().length === sim.nodes.length, 10_000, 50);
    const took = Date.now() - started;
    console.log(`bonjour: ${sim.nodes.length} nodes in the inbox ${took} ms after advertising (target < 1000 ms)`);
    for (const node of sim.nodes) {
      const item = mine().find((d) => d.nodeId === node.id);
      expect(item, node.id).toMatchObject({
        source: 'bonjour',
        status: 'new',
        ip: node.lanIp,
        port: node.port,
        hostname: `${node.id}.local`,
        name: node.name,
        info: { id: node.id, api: 1, role: 'camera' },
        suggestion: {
          id: node.id,
          role: 'camera',
          addresses: [{ network: 'lan', ip: node.lanIp, hostname: `${node.id}.local` }],
          services: [{ name: 'camera-node', protocol: 'http', port: node.port, path: '/api/v1' }],
        },
      });
    }
    expect(events.filter((e) => e.change === 'found').map((e) => e.discovered.nodeId).sort()).toEqual(sim.nodes.map((n) => n.id).sort());
  });

  it('matches a known node instead of offering it again, and notices when advertising stops', async () => {
    // The map already knows the first camera by id (at an old address) before it advertises.
    const { rig, sim, events } = await setup('dscm', '127.33.17.176/28', '127.133.17.176/28');
    const first = sim.nodes[0]!;
    createDevice({ ctx: rig.ctx, input: { id: first.id, role: 'camera', addresses: [{ network: 'lan', hostname: `${first.id}.local` }] } });
    const mine = () => listDiscovered({ ctx: rig.ctx }).filter((d) => d.nodeId?.startsWith('dscm-'));
    await eventually('every node in the inbox', () => mine().length === sim.nodes.length, 10_000, 50);
    const known = await eventually('the known node matched', () => mine().find((d) => d.nodeId === first.id && d.status === 'matched'), 10_000, 50);
    expect(known).toMatchObject({ matchedDeviceId: first.id, matchedBy: 'node-id' });
    // Its hostname-only address learned the IP, with a last-seen time; no second device.
    const device = getDevice({ ctx: rig.ctx, id: first.id });
    expect(device.addresses).toEqual([expect.objectContaining({ network: 'lan', ip: first.lanIp, hostname: `${first.id}.local`, lastSeen: expect.any(String) })]);
    expect(listDevices({ ctx: rig.ctx }).map((d) => d.id)).toEqual([first.id]);

    await sim.close();
    await eventually('every node marked gone after its goodbye', () => mine().every((d) => d.goneAt !== null), 10_000, 50);
    expect(events.filter((e) => e.change === 'gone')).toHaveLength(sim.nodes.length);
    expect(mine()).toHaveLength(sim.nodes.length);
  });

  it('re-checks on its clock: a node that stops answering without a goodbye is marked gone when the fake clock passes recheckMs', async () => {
    const clock = new FakeClock();
    const { rig, sim } = await setup('dscr', '127.61.4.0/28', '127.61.5.0/28', clock);
    const mine = () => listDiscovered({ ctx: rig.ctx }).filter((d) => d.nodeId?.startsWith('dscr-'));
    await eventually('every node in the inbox', () => mine().length === sim.nodes.length, 10_000, 50);
    const lost = sim.nodes[0]!;
    // Its app stops answering but nothing says goodbye (the advertisement stays).
    await sim.applyFault(lost.id, { mode: 'down', path: 'both' });
    clock.advance(59_999);
    expect(mine().every((d) => d.goneAt === null)).toBe(true);
    clock.advance(1);
    await eventually('the silent node marked gone at the re-check', () => mine().find((d) => d.nodeId === lost.id)?.goneAt, 10_000, 50);
    expect(mine().filter((d) => d.nodeId !== lost.id).every((d) => d.goneAt === null)).toBe(true);
  });

  it('browses by default while the server runs (mDNS on loopback with a loopback probe scope), and not with RIGMAP_BONJOUR=off', async () => {
    const tmp = makeTempDir();
    cleanups.push(() => tmp.cleanup());
    const base = { db: `${tmp.dir}/rigmap.db`, port: 0, logLevel: 'silent', probes: 'off', tailscaleSync: 'off' };
    const server = await startServer(loadConfig(base, { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' }), { logger: createLogger({ logLevel: 'silent' }) });
    cleanups.push(() => server.close());
    const sim = await startSimRig({ nodes: 2, lanCidr: '127.33.17.144/28', tailnetCidr: '127.133.17.144/28', port: 0, advertise: true, extras: false, idPrefix: 'dscv' });
    cleanups.push(() => sim.close());
    const inbox = async () => ((await (await fetch(`${server.url}/api/discovered`)).json()) as { discovered: Array<{ nodeId: string | null }>; bonjour: { browsing: boolean } });
    const until = Date.now() + 10_000;
    let body = await inbox();
    while (body.discovered.filter((d) => d.nodeId?.startsWith('dscv-')).length < 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      body = await inbox();
    }
    expect(body.bonjour.browsing).toBe(true);
    expect(body.discovered.filter((d) => d.nodeId?.startsWith('dscv-')).map((d) => d.nodeId).sort()).toEqual(['dscv-01', 'dscv-02']);

    const off = await startServer(loadConfig({ ...base, db: `${tmp.dir}/off.db` }, { RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_BONJOUR: 'off' }), { logger: createLogger({ logLevel: 'silent' }) });
    cleanups.push(() => off.close());
    expect(((await (await fetch(`${off.url}/api/discovered`)).json()) as { bonjour: { browsing: boolean } }).bonjour.browsing).toBe(false);
  });
});
