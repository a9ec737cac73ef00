/**
 * A known node seen again at a new IP (a DHCP change): its discovery-sourced
 * address on that network moves with it, instead of a second one piling up and
 * the old one being probed as down forever. Manual, imported and Tailscale
 * addresses are never touched. Real SQLite; findings are fed to the inbox as
 * the discovery paths report them (nothing on the network is contacted).
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevice, getDevice } from '../../src/topology/devices.ts';
import { acceptDiscovered, recordDiscovery } from '../../src/topology/discovery/inbox.ts';
import type { Finding } from '../../src/topology/discovery/types.ts';
import { addresses } from '../../src/topology/store/schema.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const seen = (ip: string, over: Partial<Finding> = {}): Finding => ({
  source: 'bonjour', ip, hostname: 'cam-m.local', port: 8080, apiPath: '/api/v1', info: { id: 'cam-m', role: 'camera', api: 1 }, ...over,
});

const addrs = (rig: TestRig, id = 'cam-m') =>
  getDevice({ ctx: rig.ctx, id }).addresses.map((a) => ({ network: a.network, ip: a.ip, source: a.source })).sort((a, b) => `${a.network}${a.ip}`.localeCompare(`${b.network}${b.ip}`));

describe('a known node at a new address', () => {
  let rig: TestRig;
  afterEach(() => rig?.close());

  it('replaces the address discovery found, keeps the Tailscale one, and says the device changed', () => {
    rig = makeTestRig();
    const first = recordDiscovery({ ctx: rig.ctx, finding: seen('192.168.1.20') });
    acceptDiscovered({ ctx: rig.ctx, id: first.id });
    rig.ctx.db.insert(addresses).values({ deviceId: 'cam-m', network: 'tailscale', ip: '100.64.0.20', source: 'tailscale' }).run();
    expect(addrs(rig)).toEqual([
      { network: 'lan', ip: '192.168.1.20', source: 'bonjour' },
      { network: 'tailscale', ip: '100.64.0.20', source: 'tailscale' },
    ]);
    const changed: string[] = [];
    rig.bus.on('device.changed', (e) => changed.push(e.data.deviceId));

    const moved = recordDiscovery({ ctx: rig.ctx, finding: seen('192.168.1.31') });
    expect(moved).toMatchObject({ status: 'accepted', matchedDeviceId: 'cam-m', ip: '192.168.1.31' });
    expect(addrs(rig)).toEqual([
      { network: 'lan', ip: '192.168.1.31', source: 'bonjour' },
      { network: 'tailscale', ip: '100.64.0.20', source: 'tailscale' },
    ]);
    expect(getDevice({ ctx: rig.ctx, id: 'cam-m' }).addresses.find((a) => a.ip === '192.168.1.31')).toMatchObject({ hostname: 'cam-m.local', lastSeen: expect.any(String) });
    expect(changed).toEqual(['cam-m']);

    // A scan finds it at yet another address: still one LAN address.
    recordDiscovery({ ctx: rig.ctx, finding: seen('192.168.1.44', { source: 'scan', hostname: null }) });
    expect(addrs(rig)).toEqual([
      { network: 'lan', ip: '192.168.1.44', source: 'scan' },
      { network: 'tailscale', ip: '100.64.0.20', source: 'tailscale' },
    ]);
  });

  it('never changes a manual address: the new one is added once, then follows the node', () => {
    rig = makeTestRig();
    createDevice({ ctx: rig.ctx, input: { id: 'cam-m', role: 'camera', addresses: [{ network: 'lan', ip: '192.168.1.20' }] } });
    recordDiscovery({ ctx: rig.ctx, finding: seen('192.168.1.31') });
    expect(addrs(rig)).toEqual([
      { network: 'lan', ip: '192.168.1.20', source: 'manual' },
      { network: 'lan', ip: '192.168.1.31', source: 'bonjour' },
    ]);
    recordDiscovery({ ctx: rig.ctx, finding: seen('192.168.1.45') });
    expect(addrs(rig)).toEqual([
      { network: 'lan', ip: '192.168.1.20', source: 'manual' },
      { network: 'lan', ip: '192.168.1.45', source: 'bonjour' },
    ]);
  });

  it('a node matched only by hostname (no id to be sure it is the same one) adds the address', () => {
    rig = makeTestRig();
    createDevice({ ctx: rig.ctx, input: { id: 'cam-m', role: 'camera', addresses: [{ network: 'lan', ip: '192.168.1.20', hostname: 'cam-m.local' }] } });
    rig.ctx.db.update(addresses).set({ source: 'bonjour' }).where(eq(addresses.deviceId, 'cam-m')).run();
    const item = recordDiscovery({ ctx: rig.ctx, finding: seen('192.168.1.31', { info: null }) });
    expect(item).toMatchObject({ status: 'matched', matchedBy: 'hostname' });
    expect(addrs(rig)).toEqual([
      { network: 'lan', ip: '192.168.1.20', source: 'bonjour' },
      { network: 'lan', ip: '192.168.1.31', source: 'bonjour' },
    ]);
  });
});
