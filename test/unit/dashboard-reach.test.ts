import { describe, expect, it } from 'vitest';
import type { Device } from '../../src/topology/model.ts';
import { classifyViewer, parseCidrs, reachDevice } from '../../src/topology/reach.ts';

const device = (over: Partial<Device> = {}): Device => ({
  id: 'cam-a', name: 'Cam A', role: 'camera', model: null, notes: '', tags: [], expected: true, tailscaleNodeId: null, probeIntervalMs: null, position: null,
  addresses: [
    { network: 'lan', ip: '192.168.1.21', hostname: 'cam-a.local', source: 'manual', lastSeen: null },
    { network: 'tailscale', ip: null, hostname: 'cam-a.tail1234.ts.net', source: 'manual', lastSeen: null },
  ],
  services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }],
  createdAt: '', updatedAt: '', ...over,
});

describe('classifyViewer', () => {
  const cls = (remote: string | null, local: string | null, extra: string[] = [], tailscaleServe = false) =>
    classifyViewer({ socket: { remote, local, tailscaleServe }, tailnetCidrs: extra }).network;

  it('puts CGNAT and Tailscale ULA peers on the tailnet, private ones on the LAN', () => {
    expect(cls('100.101.1.2', '192.168.1.5')).toBe('tailscale');
    expect(cls('fd7a:115c:a1e0::1234', '::1')).toBe('tailscale');
    expect(cls('::ffff:100.64.0.9', '::ffff:10.0.0.1')).toBe('tailscale');
    expect(cls('192.168.1.40', '192.168.1.5')).toBe('lan');
    expect(cls('100.128.0.1', '192.168.1.5')).toBe('lan');
  });

  it('judges a loopback peer by the address it dialled, or by tailscale serve headers', () => {
    expect(cls('127.0.0.1', '127.133.28.1', ['127.133.28.0/24'])).toBe('tailscale');
    expect(cls('127.0.0.1', '127.0.0.1', ['127.133.28.0/24'])).toBe('lan');
    expect(cls('127.0.0.1', '127.133.28.1')).toBe('lan');
    expect(cls('127.0.0.1', '127.0.0.1', [], true)).toBe('tailscale');
    expect(cls(null, null)).toBe('lan');
  });

  it('rejects a bad range with its text', () => {
    expect(() => parseCidrs(['10.0.0.0/8', 'nope'])).toThrow(/"nope" is not a CIDR range/);
  });
});

describe('reachDevice', () => {
  it('uses the viewer network: LAN IP for LAN viewers, MagicDNS name when the tailnet has no IP', () => {
    expect(reachDevice({ device: device(), viewerNetwork: 'lan' }).preferred).toEqual({ network: 'lan', host: '192.168.1.21', baseUrl: 'http://192.168.1.21:8080' });
    const ts = reachDevice({ device: device(), viewerNetwork: 'tailscale' });
    expect(ts.preferred?.baseUrl).toBe('http://cam-a.tail1234.ts.net:8080');
    expect(ts.other?.host).toBe('192.168.1.21');
    expect(ts.apiPath).toBe('/api/v1');
  });

  it('falls back to the other network with a note, and brackets IPv6', () => {
    const d = device({ addresses: [{ network: 'tailscale', ip: 'fd7a:115c:a1e0::5', hostname: null, source: 'manual', lastSeen: null }] });
    const r = reachDevice({ device: d, viewerNetwork: 'lan' });
    expect(r.preferred?.baseUrl).toBe('http://[fd7a:115c:a1e0::5]:8080');
    expect(r.note).toMatch(/no LAN address/);
    expect(reachDevice({ device: device({ addresses: [] }), viewerNetwork: 'lan' }).preferred).toBeNull();
  });
});
