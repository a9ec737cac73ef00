/**
 * mDNS hostname prober: `.local` names answered by a loopback responder (the
 * simulator's advertiser) resolve and are probed; a name nobody answers says so;
 * with no names given, the inventory's `.local` names are probed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { resolveMdnsHostnames } from '../../src/topology/discovery/mdns-prober.ts';
import { DiscoveryService, isLoopbackScope } from '../../src/topology/discovery/service.ts';
import type { Discovered } from '../../src/topology/discovery/types.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';

interface HostResult {
  hostname: string;
  ips: string[];
  discovered: Discovered[];
  problem: string | null;
}

describe('mDNS hostname prober on loopback', () => {
  let sim: SimRig;
  let rig: TestRig;
  let app: ReturnType<typeof buildApp>;
  const discovery = new DiscoveryService({ bonjour: false, mdnsInterface: '127.0.0.1', scope: '127.0.0.0/8' });

  beforeAll(async () => {
    sim = await startSimRig({ nodes: 2, lanCidr: '127.33.19.224/28', tailnetCidr: '127.133.19.224/28', port: 0, advertise: true, extras: false, idPrefix: 'dscp' });
    rig = makeTestRig();
    const config = loadConfig({ db: rig.store.path, port: 0, mdnsInterface: '127.0.0.1', probeCidrs: '127.0.0.0/8' }, {});
    app = buildApp({ db: rig.store.db, bus: rig.bus, config, discovery });
  });
  afterAll(async () => {
    await discovery.stop();
    await sim?.close();
    rig?.close();
  });

  it('resolves names answered on loopback', async () => {
    const [a, b] = sim.nodes;
    const resolved = await resolveMdnsHostnames({ hosts: [`${a!.id}.local`, b!.id], iface: '127.0.0.1', timeoutMs: 5000 });
    expect(resolved.get(`${a!.id}.local`)).toEqual([a!.lanIp]);
    expect(resolved.get(`${b!.id}.local`)).toEqual([b!.lanIp]);
  });

  it('probes the contract at each answer and reports names nobody answers', async () => {
    const [a, b] = sim.nodes;
    const res = await app.request('/api/discovery/hosts', jsonInit('POST', { hosts: [`${a!.id}.local`, `${b!.id}.local`, 'dscp-nobody.local'], port: a!.port, timeoutMs: 3000 }));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: HostResult[] };
    const by = new Map(results.map((r) => [r.hostname, r]));
    for (const node of [a!, b!]) {
      const r = by.get(`${node.id}.local`)!;
      expect(r).toMatchObject({ ips: [node.lanIp], problem: null });
      expect(r.discovered[0]).toMatchObject({ source: 'mdns', nodeId: node.id, ip: node.lanIp, hostname: `${node.id}.local`, status: 'new' });
    }
    expect(by.get('dscp-nobody.local')).toMatchObject({ ips: [], discovered: [], problem: expect.stringContaining('no answer') });
  });

  it('probes the inventory .local names when none are given, matching the known device by hostname', async () => {
    const a = sim.nodes[0]!;
    createDevice({ ctx: rig.ctx, input: { id: 'front-cam', role: 'camera', addresses: [{ network: 'lan', hostname: `${a.id}.local` }], services: [{ name: 'camera-node', protocol: 'http', port: a.port, path: '/api/v1' }] } });
    const res = await app.request('/api/discovery/hosts', { method: 'POST' });
    const { results } = (await res.json()) as { results: HostResult[] };
    expect(results.map((r) => r.hostname)).toEqual([`${a.id}.local`]);
    expect(results[0]!.discovered[0]).toMatchObject({ status: 'matched', matchedDeviceId: 'front-cam', matchedBy: 'hostname' });
    const device = (await (await app.request('/api/devices/front-cam')).json()) as { addresses: unknown[] };
    expect(device.addresses).toEqual([expect.objectContaining({ ip: a.lanIp, hostname: `${a.id}.local`, lastSeen: expect.any(String) })]);
  });

  it('keeps mDNS on loopback whenever the probe scope is loopback-only', () => {
    expect(isLoopbackScope(parseProbeScope('127.0.0.0/8'))).toBe(true);
    expect(isLoopbackScope(parseProbeScope('127.0.0.0/8,192.168.1.0/24'))).toBe(false);
    expect(isLoopbackScope(parseProbeScope(''))).toBe(false);
    expect(new DiscoveryService({ bonjour: false, scope: '127.0.0.0/8' }).iface).toBe('127.0.0.1');
  });

  it('refuses a name that is not a hostname', async () => {
    const res = await app.request('/api/discovery/hosts', jsonInit('POST', { hosts: ['not a host!'] }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('is not a hostname');
  });
});
