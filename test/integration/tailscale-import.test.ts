/**
 * Importing the recorded tailnet: field-by-field mapping, idempotent re-import,
 * merge order (node id, then MagicDNS, then hostname), dry run, Local API over a
 * unix socket. Import only: nothing here probes the fixtures' 100.x addresses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDevice, getDevice, listDevices } from '../../src/topology/devices.ts';
import { devices } from '../../src/topology/store/schema.ts';
import { listTailscaleDevices, readLastTailnetImport } from '../../src/topology/tailscale/import.ts';
import { TailscaleLocalClient } from '../../src/topology/tailscale/local-client.ts';
import { PathQualitySnapshot } from '../../src/topology/tailscale/path-quality.ts';
import { importFromSource } from '../../src/topology/tailscale/source.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { type FakeLocalApi, loadFixture, STATUS_FILE, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';

let rig: TestRig;
beforeEach(() => {
  rig = makeTestRig();
});
afterEach(() => rig.close());

const statusText = () => readFileSync(STATUS_FILE, 'utf8');
const importStatus = (json: unknown, dryRun = false) =>
  importFromSource({ ctx: rig.ctx, source: { kind: 'status-file', json, name: 'status.json' }, dryRun });

describe('tailscale import from a saved status', () => {
  it('maps every field of a node', async () => {
    const report = await importFromSource({ ctx: rig.ctx, source: { kind: 'status-file', text: statusText(), name: STATUS_FILE } });
    expect(report.added).toHaveLength(15);
    expect(report.added.map((a) => a.id)).toContain('pixel-8');

    const unifi = getDevice({ ctx: rig.ctx, id: 'unifi' });
    expect(unifi).toMatchObject({ name: 'unifi', role: 'server', tags: ['tag:server'], tailscaleNodeId: 'npqEu3sW5721CNTRL', expected: true });
    expect(unifi.addresses.map(({ network, ip, hostname, source }) => ({ network, ip, hostname, source }))).toEqual([
      { network: 'lan', ip: '192.168.70.22', hostname: null, source: 'tailscale' },
      { network: 'tailscale', ip: '100.93.0.7', hostname: 'unifi.moose-ph.ts.net', source: 'tailscale' },
      { network: 'tailscale', ip: 'fd7a:115c:a1e0::9536:9513', hostname: null, source: 'tailscale' },
    ]);
    const vm = getDevice({ ctx: rig.ctx, id: 'desktop-vm' });
    expect(vm).toMatchObject({ name: 'DESKTOP-VM', role: 'other', tags: [], expected: false });
    expect(getDevice({ ctx: rig.ctx, id: 'pfsense' })).toMatchObject({ role: 'router', tags: ['tag:router'] });

    const ts = new Map(listTailscaleDevices(rig.store.db).map((d) => [d.id, d]));
    expect(ts.get('desktop-vm')).toMatchObject({ online: false, lastSeen: '2026-02-17T08:30:13.1Z' });
    expect(ts.get('openwrt')).toMatchObject({ online: true, lastSeen: null });
    expect(readLastTailnetImport(rig.store.db)).toMatchObject({ source: 'status-file', added: 15, changed: 0, gone: 0 });
  });

  it('is idempotent: a re-import changes nothing and duplicates nothing', async () => {
    await importStatus(loadFixture('localapi/status.real-v1.94.2.json'));
    const before = listDevices({ ctx: rig.ctx });
    const events: string[] = [];
    rig.bus.on('device.changed', (e) => events.push(e.data.deviceId));
    const again = await importStatus(loadFixture('localapi/status.real-v1.94.2.json'));
    expect(again.added).toEqual([]);
    expect(again.changed).toEqual([]);
    expect(again.unchanged).toHaveLength(15);
    expect(listDevices({ ctx: rig.ctx })).toEqual(before);
    expect(events).toEqual([]);
  });

  it('dry run prints the diff (added, changed, unchanged, gone) and writes nothing', async () => {
    const first = await importStatus(loadFixture('localapi/status.real-v1.94.2.json'), true);
    expect(first.dryRun).toBe(true);
    expect(first.added).toHaveLength(15);
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
    expect(readLastTailnetImport(rig.store.db)).toBeNull();

    await importStatus(loadFixture('localapi/status.real-v1.94.2.json'));
    const snapshot = listDevices({ ctx: rig.ctx });
    const next = loadFixture('localapi/status.real-v1.94.2.json');
    const vps = Object.values<any>(next.Peer).find((p) => p.HostName === 'vps');
    vps.Tags = ['tag:camera'];
    vps.Online = false;
    const goneKey = Object.keys(next.Peer).find((k) => next.Peer[k].HostName === 'DELL-XPS-15')!;
    delete next.Peer[goneKey];
    const diff = await importStatus(next, true);
    expect(diff.added).toEqual([]);
    expect(diff.changed).toEqual([{ id: 'vps', nodeId: vps.ID, matchedBy: 'nodeId', fields: ['role', 'tags', 'online'] }]);
    expect(diff.unchanged).toHaveLength(13);
    expect(diff.gone).toEqual([{ id: 'dell-xps-15', nodeId: 'nBsnmXPtHS11CNTRL' }]);
    expect(listDevices({ ctx: rig.ctx })).toEqual(snapshot);

    const real = await importStatus(next);
    expect(real.changed.map((c) => c.id)).toEqual(['vps']);
    expect(getDevice({ ctx: rig.ctx, id: 'vps' })).toMatchObject({ role: 'camera', tags: ['tag:camera'] });
    // Gone from the tailnet is reported, never deleted.
    expect(getDevice({ ctx: rig.ctx, id: 'dell-xps-15' }).tailscaleNodeId).toBe('nBsnmXPtHS11CNTRL');
  });

  it('merges by node id, then MagicDNS name, then hostname, and never overwrites a manual LAN address', async () => {
    // Node id: "edge" already carries OpenWrt's node id; a device named like the hostname must not steal it.
    createDevice({ ctx: rig.ctx, input: { id: 'edge', role: 'router' } });
    rig.store.db.update(devices).set({ tailscaleNodeId: 'nL27s8X3jJ11CNTRL' }).where(eq(devices.id, 'edge')).run();
    createDevice({ ctx: rig.ctx, input: { id: 'openwrt', role: 'other' } });
    // MagicDNS beats hostname: "my-vps" has vps's MagicDNS name; "vps" only matches by hostname.
    createDevice({ ctx: rig.ctx, input: { id: 'my-vps', name: 'Cloud box', addresses: [{ network: 'tailscale', hostname: 'VPS.moose-ph.ts.net' }] } });
    createDevice({ ctx: rig.ctx, input: { id: 'vps', role: 'other' } });
    // Hostname (by name), with a manual LAN address and a user tag to keep.
    createDevice({ ctx: rig.ctx, input: { id: 'nas', name: 'Unraid', addresses: [{ network: 'lan', ip: '10.1.2.3' }], tags: ['rack-2'] } });
    // Manual LAN address on the Self node (whose endpoints offer 192.168.70.22).
    createDevice({ ctx: rig.ctx, input: { id: 'unifi', name: 'UniFi console', role: 'console', addresses: [{ network: 'lan', ip: '192.168.70.99' }] } });

    const report = await importStatus(loadFixture('localapi/status.real-v1.94.2.json'));
    const by = new Map(report.changed.map((c) => [c.id, c]));
    expect(by.get('edge')).toMatchObject({ matchedBy: 'nodeId', nodeId: 'nL27s8X3jJ11CNTRL' });
    expect(by.get('my-vps')).toMatchObject({ matchedBy: 'dnsName', nodeId: 'nmQcWKEgg111CNTRL' });
    expect(by.get('nas')).toMatchObject({ matchedBy: 'hostname', nodeId: 'nY182bbWFg11CNTRL' });
    expect(by.get('unifi')).toMatchObject({ matchedBy: 'hostname', nodeId: 'npqEu3sW5721CNTRL' });
    expect(by.has('openwrt')).toBe(false);
    expect(by.has('vps')).toBe(false);
    expect(report.added).toHaveLength(11);
    expect(getDevice({ ctx: rig.ctx, id: 'openwrt' }).tailscaleNodeId).toBeNull();
    expect(getDevice({ ctx: rig.ctx, id: 'vps' }).tailscaleNodeId).toBeNull();

    const myVps = getDevice({ ctx: rig.ctx, id: 'my-vps' });
    expect(myVps).toMatchObject({ name: 'Cloud box', role: 'server', tags: ['tag:server'] });
    const nas = getDevice({ ctx: rig.ctx, id: 'nas' });
    expect(nas.tags).toEqual(['rack-2', 'tag:server']);
    expect(nas.addresses.filter((a) => a.network === 'lan')).toEqual([expect.objectContaining({ ip: '10.1.2.3', source: 'manual' })]);
    const unifi = getDevice({ ctx: rig.ctx, id: 'unifi' });
    expect(unifi).toMatchObject({ name: 'UniFi console', role: 'server' });
    expect(unifi.addresses.filter((a) => a.network === 'lan').map((a) => [a.ip, a.source])).toEqual([['192.168.70.99', 'manual']]);
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(17);
  });

  it('refuses an unrecognised status file and imports nothing', async () => {
    await expect(importFromSource({ ctx: rig.ctx, source: { kind: 'status-file', text: '{"hello":1}', name: 'x.json' } })).rejects.toMatchObject({
      code: 'unsupported_format',
      message: expect.stringContaining('tailscale status --json'),
    });
    await expect(importFromSource({ ctx: rig.ctx, source: { kind: 'status-file', text: 'not json', name: 'x.json' } })).rejects.toMatchObject({ code: 'unsupported_format' });
    await expect(importStatus({ Self: null, Peer: ['not', 'peers'] })).rejects.toMatchObject({ code: 'unsupported_format' });
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });

  it('skips a peer it cannot map, with the reason, and imports the rest', async () => {
    const broken = loadFixture('localapi/status.real-v1.94.2.json');
    const peer = Object.values<any>(broken.Peer)[5];
    peer.ID = 42;
    const report = await importStatus(broken);
    expect(report.skipped).toEqual([{ nodeId: '42', hostname: peer.HostName, reason: expect.stringContaining('no string ID') }]);
    expect(report.added).toHaveLength(14);
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(14);
  });
});

describe('tailscale import from the Local API (unix socket)', () => {
  let local: FakeLocalApi;
  beforeEach(async () => {
    local = await startFakeLocalApi(join(rig.dir, 'tailscaled.sock'));
  });
  afterEach(() => local.close());

  it('imports over the socket with Host local-tailscaled.sock, and refreshes path quality', async () => {
    const peers = local.status.Peer as Record<string, any>;
    const find = (host: string) => Object.values(peers).find((p) => p.HostName === host);
    Object.assign(find('vps'), { Active: true, CurAddr: '198.51.100.7:41641' });
    Object.assign(find('OpenWrt'), { Active: true });
    Object.assign(find('proxy'), { Active: true, PeerRelay: '100.93.0.7:40000:vni:3' });
    const paths = new PathQualitySnapshot();
    const client = new TailscaleLocalClient({ socketPath: local.socketPath });
    const report = await importFromSource({ ctx: rig.ctx, source: { kind: 'local', client }, paths });
    expect(report.source).toBe('local');
    expect(report.added).toHaveLength(15);
    expect(local.requests[0]).toEqual({ path: '/localapi/v0/status', host: 'local-tailscaled.sock' });
    expect(paths.get('vps')).toMatchObject({ quality: 'direct', curAddr: '198.51.100.7:41641' });
    expect(paths.get('openwrt')).toMatchObject({ quality: 'derp', relay: 'waw' });
    expect(paths.get('proxy')).toMatchObject({ quality: 'peer-relay' });
    expect(paths.get('pfsense')).toMatchObject({ quality: 'idle' });
    expect(paths.get('desktop-vm')).toMatchObject({ quality: 'offline' });
    // Self is not a peer: no path to itself.
    expect(paths.get('unifi')).toBeNull();
  });

  it('names the missing socket and the fix', async () => {
    const client = new TailscaleLocalClient({ socketPath: join(rig.dir, 'nope.sock') });
    await expect(importFromSource({ ctx: rig.ctx, source: { kind: 'local', client } })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/no tailscaled socket at .*nope\.sock.*Fix:/),
    });
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });
});
