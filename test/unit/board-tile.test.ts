/**
 * The rig board's pure parts: devices grouped by the upstream they link to, and
 * a tile that shows what other parts add to the health (recording details,
 * runway, clock offset, protocol, Tailscale quality) only when present.
 */
import { describe, expect, it } from 'vitest';
import type { LiveDevice } from '../../src/web/api.ts';
import { groupByUpstream } from '../../src/web/views/board.ts';
import { upstreamsOf } from '../../src/topology/upstreams.ts';
import { tileBody, tileLabel } from '../../src/web/views/board-tile.ts';
import type { DeviceHealth } from '../../src/topology/health-types.ts';

const dev = (id: string, role: string, nets: ('lan' | 'tailscale')[] = ['lan']): LiveDevice =>
  ({ id, name: id.toUpperCase(), role, addresses: nets.map((network) => ({ network, ip: network === 'lan' ? '10.0.0.1' : '100.64.0.1' })), services: [], tags: [], expected: true, notes: '' }) as unknown as LiveDevice;
const path = (network: 'lan' | 'tailscale', state: 'up' | 'down') => ({ network, address: 'x', service: 'camera-node', port: 8080, state, latencyMs: state === 'up' ? 12 : null, lastError: state === 'down' ? 'connect ECONNREFUSED' : null, since: null, flapping: false, heartbeatAgeMs: null });

describe('rig board', () => {
  it('groups devices behind their hotspot or router, the upstream first', () => {
    const devices = [dev('cam-2', 'camera'), dev('cam-1', 'camera'), dev('hot', 'hotspot'), dev('desk', 'console'), dev('loose', 'camera')];
    const groups = groupByUpstream(devices, upstreamsOf(devices, [{ from: 'cam-1', to: 'hot' }, { from: 'cam-2', to: 'hot' }, { from: 'desk', to: 'cam-1' }]));
    expect(groups.map((g) => [g.title, g.devices.map((d) => d.id)])).toEqual([
      ['Behind HOT', ['hot', 'cam-1', 'cam-2']],
      ['Other devices', ['loose', 'desk']],
    ]);
  });

  it('shows path states, status and the extras only when present', () => {
    const device = dev('cam-a', 'camera', ['lan', 'tailscale']);
    const status = { state: 'recording', battery: { level: 0.1, charging: false }, thermal: 'serious', storage: { freeBytes: 5e9, totalBytes: 6e10 }, uptimeSec: 1, time: '' };
    const plain: DeviceHealth = { deviceId: 'cam-a', state: 'degraded', paths: [path('lan', 'down'), path('tailscale', 'up')], status: status as DeviceHealth['status'], lastSeen: null };
    const html = tileBody({ device, health: plain, alert: undefined, quality: 'derp' });
    expect(html).toContain('title="LAN path DOWN: connect ECONNREFUSED"');
    expect(html).toContain('Tailscale path up, 12 ms, via derp');
    expect(html).toMatch(/relayed/);
    expect(html).toContain('bat 10 %');
    expect(html).toContain('5.0 GB free');
    expect(html).toContain('● REC');
    expect(html).not.toMatch(/runway|clock|blackmagic/);
    const extra = { ...plain, runway: { storageMinutes: 95, batteryMinutes: 30 }, clock: { offsetMs: -42, uncertaintyMs: 3 }, protocol: 'blackmagic', status: { ...status, recording: { since: '', clip: 'A001', bitrateBps: 50e6 } } } as unknown as DeviceHealth;
    const more = tileBody({ device, health: extra, alert: { message: 'cam-a: LAN path lost', severity: 'warning' } as never, quality: null });
    expect(more).toContain('runway storage 95 min · battery 30 min');
    expect(more).toContain('clock -42 ms');
    expect(more).toContain('blackmagic');
    expect(more).toContain('REC A001 · 50 Mbit/s');
    expect(more).toContain('cam-a: LAN path lost');
    expect(tileLabel({ device, health: plain, alert: undefined })).toBe('CAM-A, camera, degraded; LAN DOWN; Tailscale up; battery 10 percent; thermal serious; 5.0 GB free; recording');
  });
});
