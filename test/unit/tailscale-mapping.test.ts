import { describe, expect, it } from 'vitest';
import { RigmapError } from '../../src/topology/errors.ts';
import {
  displayName,
  lanCandidates,
  nodeFromApiDevice,
  nodesFromStatus,
  parseRoleMap,
  slugify,
  tailscaleAddresses,
} from '../../src/topology/tailscale/mapping.ts';
import { classifyPeer } from '../../src/topology/tailscale/path-quality.ts';
import { apiDeviceSchema, localStatusSchema, peerStatusSchema } from '../../src/topology/tailscale/schemas.ts';
import { nextSyncDelay } from '../../src/topology/tailscale/sync.ts';
import { isLoopback } from '../../src/topology/reach.ts';
import { resolveViewer } from '../../src/topology/tailscale/whois.ts';
import { loadFixture } from '../fixtures/tailscale-fakes.ts';

const status = () => localStatusSchema.parse(loadFixture('localapi/status.real-v1.94.2.json'));
const peerNamed = (dns: string) => {
  const s = loadFixture('localapi/status.real-v1.94.2.json');
  return Object.values<any>(s.Peer).find((p) => p.DNSName === dns);
};

describe('tailscale mapping of the real status (1.94.2)', () => {
  it('reads Self and all 14 peers, keeping unknown fields', () => {
    const s = status();
    const nodes = nodesFromStatus(s);
    expect(nodes).toHaveLength(15);
    expect(nodes[0]!.isSelf).toBe(true);
    // Lenient: fields rigmap does not declare stay on the parsed object.
    expect((s.Self as Record<string, unknown>).CapMap).toBeDefined();
  });

  it('maps Self field by field', () => {
    const self = nodesFromStatus(status())[0]!;
    expect(self).toMatchObject({
      nodeId: 'npqEu3sW5721CNTRL',
      hostname: 'unifi',
      dnsName: 'unifi.moose-ph.ts.net',
      ipv4: ['100.93.0.7'],
      ipv6: ['fd7a:115c:a1e0::9536:9513'],
      tags: ['tag:server'],
      os: 'linux',
      online: true,
      lastSeen: null,
    });
    expect(tailscaleAddresses(self)).toEqual([
      { network: 'tailscale', ip: '100.93.0.7', hostname: 'unifi.moose-ph.ts.net' },
      { network: 'tailscale', ip: 'fd7a:115c:a1e0::9536:9513' },
    ]);
    // 203.0.113.46 is public: only the RFC 1918 endpoint is a LAN candidate.
    expect(lanCandidates(self)).toEqual(['192.168.70.22']);
  });

  it('keeps offline peers with their last seen, and null Addrs as no endpoints', () => {
    const vm = nodesFromStatus(status()).find((n) => n.hostname === 'DESKTOP-VM')!;
    expect(vm).toMatchObject({ online: false, lastSeen: '2026-02-17T08:30:13.1Z', endpoints: [], tags: [] });
    expect(lanCandidates(vm)).toEqual([]);
  });

  it('names Android phones (hostname "localhost") by their MagicDNS name', () => {
    const phones = nodesFromStatus(status()).filter((n) => n.hostname === 'localhost');
    expect(phones.map(displayName).sort()).toEqual(['pixel-8', 'pixel-9']);
  });
});

describe('tailscale mapping of API v2 devices', () => {
  it('maps the documented all-fields device', () => {
    const d = nodeFromApiDevice(apiDeviceSchema.parse(loadFixture('api-v2/device.fields-all.publicapi-doc.json')));
    expect(d).toMatchObject({
      nodeId: 'n5SUKe8CNTRL',
      hostname: 'pangolin',
      dnsName: 'pangolin.tailfe8c.ts.net',
      ipv4: ['100.87.74.78'],
      ipv6: ['fd7a:115c:a1e0:ac82:4843:ca90:697d:c36e'],
      tags: ['tag:golink'],
      lastSeen: '2022-12-01T05:23:30Z',
      online: null,
    });
    // 199.9.14.201 and 192.68.0.21 are both public addresses.
    expect(lanCandidates(d)).toEqual([]);
  });

  it('turns Go zero times into null and connectedToControl into online', () => {
    const list = loadFixture('api-v2/devices-list.tailscale-client-go-v2.json').devices.map((x: unknown) => nodeFromApiDevice(apiDeviceSchema.parse(x)));
    expect(list[0]).toMatchObject({ nodeId: 'nTESTJ30', online: false, lastSeen: '2022-04-15T13:24:40Z', dnsName: 'hello.example.com' });
    expect(list[2]).toMatchObject({ online: true, lastSeen: null });
  });
});

describe('tailscale helpers', () => {
  it('parses role maps onto the defaults and refuses unknown roles', () => {
    expect(parseRoleMap('')['tag:camera']).toBe('camera');
    const m = parseRoleMap('tag:cam=camera, tag:server=relay');
    expect(m['tag:cam']).toBe('camera');
    expect(m['tag:server']).toBe('relay');
    expect(() => parseRoleMap('tag:x=wizard')).toThrow(RigmapError);
    expect(() => parseRoleMap('tag:x=wizard')).toThrow(/tag:x=wizard/);
  });

  it('slugifies hostnames into device ids', () => {
    expect(slugify('DESKTOP-KDM19P4')).toBe('desktop-kdm19p4');
    expect(slugify('My Cam #1 (left)')).toBe('my-cam-1-left');
    expect(slugify('---')).toBe('node');
    expect(slugify('x'.repeat(80))).toHaveLength(63);
  });

  it('recognises loopback only', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.5.6.7')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('100.93.0.7')).toBe(false);
    expect(isLoopback('192.168.1.5')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });

  it('trusts tailscale serve headers from loopback only', async () => {
    const headers: Record<string, string> = { 'tailscale-user-login': 'crew-a@example.com', 'tailscale-user-name': 'Crew Member A' };
    const header = (n: string) => headers[n.toLowerCase()];
    expect(await resolveViewer({ remoteAddr: '127.0.0.1', header })).toEqual({ login: 'crew-a@example.com', name: 'Crew Member A', node: null, via: 'tailscale-serve' });
    // The same headers from a tailnet or LAN address are forged as far as rigmap knows.
    expect(await resolveViewer({ remoteAddr: '100.93.0.102', header })).toBeNull();
    expect(await resolveViewer({ remoteAddr: '192.168.1.9', header })).toBeNull();
  });
});

describe('tailscale path quality', () => {
  const base = () => peerStatusSchema.parse(peerNamed('openwrt.moose-ph.ts.net.'));

  it('classifies the real peers as idle or offline', () => {
    expect(classifyPeer(base())).toMatchObject({ quality: 'idle', relay: 'waw', curAddr: null, lastWrite: '2026-03-11T03:13:10.057923069Z' });
    expect(classifyPeer(peerStatusSchema.parse(peerNamed('desktop-vm.moose-ph.ts.net.'))).quality).toBe('offline');
  });

  it('classifies direct, DERP and peer-relay variants of a real peer', () => {
    const direct = classifyPeer({ ...base(), Active: true, CurAddr: '192.168.70.1:41641' });
    expect(direct).toMatchObject({ quality: 'direct', curAddr: '192.168.70.1:41641', summary: 'direct 192.168.70.1:41641' });
    const derp = classifyPeer({ ...base(), Active: true });
    expect(derp).toMatchObject({ quality: 'derp', relay: 'waw', summary: 'relay "waw"' });
    const relayed = classifyPeer({ ...base(), Active: true, PeerRelay: '100.93.0.7:7777:vni:12' });
    expect(relayed).toMatchObject({ quality: 'peer-relay', peerRelay: '100.93.0.7:7777:vni:12' });
    // Direct wins over the home DERP region, which is always set.
    expect(classifyPeer({ ...base(), Active: true, CurAddr: '10.0.0.2:41641', PeerRelay: 'x' }).quality).toBe('direct');
    expect(classifyPeer({ ...base(), Active: false, CurAddr: '10.0.0.2:41641' })).toMatchObject({ quality: 'idle', summary: 'idle (last direct 10.0.0.2:41641)' });
  });
});

describe('tailscale sync backoff', () => {
  const rl = (retryAfterSec?: number) => new RigmapError('upstream_failed', 'rate limited', { status: 429, retryAfterSec });
  it('doubles on 429/5xx, caps, honours Retry-After, and keeps the interval for auth errors', () => {
    const base = { intervalMs: 1000, maxBackoffMs: 10_000 };
    expect(nextSyncDelay({ ...base, failures: 0 })).toBe(1000);
    expect(nextSyncDelay({ ...base, failures: 1, error: rl() })).toBe(2000);
    expect(nextSyncDelay({ ...base, failures: 2, error: rl() })).toBe(4000);
    expect(nextSyncDelay({ ...base, failures: 6, error: rl() })).toBe(10_000);
    expect(nextSyncDelay({ ...base, failures: 1, error: rl(30) })).toBe(30_000);
    expect(nextSyncDelay({ ...base, failures: 1, error: new RigmapError('upstream_failed', 'x', { status: 503 }) })).toBe(2000);
    expect(nextSyncDelay({ ...base, failures: 3, error: new RigmapError('unauthorized', 'bad token', { status: 401 }) })).toBe(1000);
  });
});
