/**
 * Discovery of iPhones running Blackmagic Camera: Bonjour `_http._tcp` on
 * loopback (DESIGN.md rules), kept only with TXT capabilities=cameraControl;
 * the inbox shows camera name, model, app version and device_id; accepting
 * gives a blackmagic service over https on 4444; the device_id follows a new
 * address (no duplicate, an audit entry says so).
 */
import { Bonjour } from 'bonjour-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneUuid as phoneUuidOf } from '../../src/sim/phone/hook.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { listAudit } from '../../src/topology/access/audit.ts';
import { getDevice, listDevices } from '../../src/topology/devices.ts';
import { BonjourBrowser } from '../../src/topology/discovery/bonjour-browser.ts';
import { acceptDiscovered, listDiscovered, recordDiscovery } from '../../src/topology/discovery/inbox.ts';
import { parseScanRange, scanSubnet } from '../../src/topology/discovery/subnet-scan.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';

// Test addresses: 127.52.3.0/24 (LAN-like), 127.152.3.0/24 (tailnet-like), 127.52.4.9 (another HTTP service).
let rig: TestRig;
let sim: SimRig;
let browser: BonjourBrowser;
let other: Bonjour;
beforeAll(async () => {
  rig = makeTestRig();
  browser = new BonjourBrowser({ ctx: rig.ctx, iface: '127.0.0.1', inScope: (ip) => ip.startsWith('127.'), recheckMs: 60_000 }).start();
  sim = await startSimRig({ nodes: 0, extras: false, phones: 1, lanCidr: '127.52.3.0/24', tailnetCidr: '127.152.3.0/24', port: 0, advertise: true, idPrefix: 'dph' });
  // A printer-like _http._tcp service without capabilities=cameraControl: not a phone.
  other = new Bonjour({ interface: '127.0.0.1', bind: '0.0.0.0' } as ConstructorParameters<typeof Bonjour>[0]);
  other.publish({ name: 'dph-printer', type: 'http', protocol: 'tcp', port: 4444, host: 'dph-printer.local', txt: { path: '/', model: 'LaserJet' }, disableIPv6: true });
}, 60_000);
afterAll(async () => {
  await new Promise<void>((r) => (other ? other.unpublishAll(() => other.destroy(() => r())) : r()));
  await browser?.stop();
  await sim?.close();
  rig?.close();
});

describe('Blackmagic Camera phones in discovery', () => {
  it('finds the phone with the TXT filter, shows what it is, and ignores another _http._tcp', async () => {
    const phone = sim.nodes[0]!;
    const uuid = phoneUuidOf(phone.id);
    const item = await eventually('the phone in the inbox, answered', () => listDiscovered({ ctx: rig.ctx }).find((d) => d.nodeId === uuid && d.info?.certSha256), 20_000);
    expect(item).toMatchObject({
      source: 'bonjour', status: 'new', ip: phone.lanIp, port: 4444, apiPath: '/control/api/v1', name: 'Cam A',
      info: { id: uuid, deviceId: uuid, cameraName: 'A', model: 'iPhone 17 Pro', appVersion: '3.5.100017', kind: 'blackmagic' },
      suggestion: { role: 'camera', services: [{ name: 'blackmagic', protocol: 'https', port: 4444, path: '/control/api/v1' }] },
    });
    expect(String(item.info?.certSha256)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(listDiscovered({ ctx: rig.ctx }).some((d) => d.name === 'dph-printer' || d.hostname === 'dph-printer.local')).toBe(false);
  }, 30_000);

  it('accepting makes a device; the device_id follows a new address, audited, no duplicate', () => {
    const uuid = phoneUuidOf(sim.nodes[0]!.id);
    const item = listDiscovered({ ctx: rig.ctx }).find((d) => d.nodeId === uuid)!;
    const { device } = acceptDiscovered({ ctx: rig.ctx, id: item.id, overrides: { id: 'cam-b' } });
    expect(device.services).toEqual([expect.objectContaining({ name: 'blackmagic', protocol: 'https', port: 4444, path: '/control/api/v1' })]);
    recordDiscovery({ ctx: rig.ctx, finding: { source: 'bonjour', ip: '127.52.3.77', hostname: null, port: 4444, apiPath: '/control/api/v1', info: item.info } });
    expect(getDevice({ ctx: rig.ctx, id: 'cam-b' }).addresses.filter((a) => a.network === 'lan').map((a) => a.ip)).toEqual(['127.52.3.77']);
    expect(listDevices({ ctx: rig.ctx }).filter((d) => d.services.some((s) => s.name === 'blackmagic'))).toHaveLength(1);
    expect(listAudit({ ctx: rig.ctx, action: 'device.moved' })).toEqual([expect.objectContaining({ target: 'cam-b', details: expect.objectContaining({ from: sim.nodes[0]!.lanIp, to: '127.52.3.77' }) })]);
  });

  it('a subnet scan on 4444 recognises a phone by its HTTPS product answer', async () => {
    const scan = makeTestRig();
    try {
      const result = await scanSubnet({ ctx: scan.ctx, ranges: [parseScanRange({ cidr: '127.52.3.0/29' })], port: 4444, inScope: (ip) => ip.startsWith('127.52.3.') });
      expect(result.discovered.map((d) => [d.ip, d.name, d.info?.model, d.suggestion.services?.[0]?.name, d.suggestion.services?.[0]?.protocol])).toEqual([
        [sim.nodes[0]!.lanIp, 'Cam A', 'iPhone 17 Pro', 'blackmagic', 'https'],
      ]);
    } finally {
      scan.close();
    }
  }, 30_000);
});
