/** The simulator's pure parts: camera physics, commands, addresses, faults per path, SSE replay, scenarios. */
import { describe, expect, it } from 'vitest';
import { allocateHosts } from '../../src/sim/addresses.ts';
import { CameraModel, runCommand } from '../../src/sim/device-model.ts';
import { buildLayout, buildManifest } from '../../src/sim/layout.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import { replaySince, type RingEvent } from '../../src/sim/sse.ts';
import { faultOnPath } from '../../src/sim/types.ts';
import { parseInventory } from '../../src/topology/inventory.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');

describe('camera model', () => {
  it('drains the battery faster while recording, heats up and fills storage', () => {
    const idle = new CameraModel('cam-01', 0, T0);
    const rec = new CameraModel('cam-02', 0, T0);
    expect(runCommand(rec, { action: 'record.start' }, T0)).toMatchObject({ status: 200, body: { ok: true, state: 'recording' } });
    const free = rec.freeBytes;
    for (let s = 1; s <= 120; s++) {
      idle.step(T0 + s * 1000);
      rec.step(T0 + s * 1000);
    }
    expect(rec.level).toBeLessThan(idle.level);
    expect(rec.freeBytes).toBe(free - 120 * 25_000_000);
    expect(idle.freeBytes).toBe(new CameraModel('x', 0, T0).freeBytes);
    expect(rec.thermal).not.toBe('nominal');
    expect(idle.thermal).toBe('nominal');
    expect(rec.status(T0 + 120_000)).toMatchObject({ id: 'cam-02', state: 'recording', uptimeSec: 120, time: '2026-11-23T10:02:00.000Z' });
  });

  it('stops the take with state error when storage runs out, and refuses to start again', () => {
    const cam = new CameraModel('cam-01', 0, T0);
    cam.freeBytes = 50_000_000;
    runCommand(cam, { action: 'record.start' }, T0);
    cam.step(T0 + 5000);
    expect(cam.state).toBe('error');
    expect(cam.freeBytes).toBe(0);
    expect(runCommand(cam, { action: 'record.start' }, T0 + 6000)).toMatchObject({ status: 409, body: { error: { code: 'storage_full' } } });
  });

  it('plugs a low battery in and charges it', () => {
    const cam = new CameraModel('cam-01', 0, T0);
    cam.level = 0.21;
    cam.charging = false;
    cam.step(T0 + 60_000);
    expect(cam.charging).toBe(true);
    const low = cam.level;
    cam.step(T0 + 120_000);
    expect(cam.level).toBeGreaterThan(low);
  });

  it('answers commands with the contract errors', () => {
    const cam = new CameraModel('cam-01', 0, T0);
    expect(runCommand(cam, [], T0).status).toBe(400);
    expect(runCommand(cam, { action: 'zoom' }, T0)).toMatchObject({ status: 400, body: { error: { code: 'unknown_action' } } });
    expect(runCommand(cam, { action: 'marker' }, T0)).toMatchObject({ status: 409, body: { error: { code: 'not_recording' } } });
    runCommand(cam, { action: 'record.start' }, T0);
    expect(runCommand(cam, { action: 'marker', args: { label: 'a' } }, T0).marker).toMatchObject({ seq: 1, label: 'a' });
    expect(runCommand(cam, { action: 'identify', args: { seconds: 5 } }, T0).status).toBe(200);
    expect(cam.identifyUntil).toBe(T0 + 5000);
    expect(runCommand(cam, { action: 'record.stop' }, T0).body).toEqual({ ok: true, state: 'idle' });
  });
});

describe('addresses and layout', () => {
  it('hands out hosts from the first usable one and refuses a range that is too small', () => {
    expect(allocateHosts({ cidr: '127.33.26.0/24', count: 3, what: 'LAN' })).toEqual(['127.33.26.1', '127.33.26.2', '127.33.26.3']);
    expect(allocateHosts({ cidr: '127.1.0.0/16', count: 300, what: 'LAN' }).at(-1)).toBe('127.1.1.44');
    expect(() => allocateHosts({ cidr: '127.33.26.0/30', count: 3, what: 'LAN range' })).toThrow(/room for 2 device/);
    expect(() => allocateHosts({ cidr: 'nope', count: 1, what: 'LAN range' })).toThrow(/not a CIDR/);
  });

  it('builds cameras then extras, and a manifest the inventory parser accepts', () => {
    const specs = buildLayout({ nodes: 2, lanCidr: '127.33.26.0/24', tailnetCidr: '127.133.26.0/24', extras: true, idPrefix: 'cam' });
    expect(specs.map((s) => [s.id, s.role, s.lanIp, s.tailscaleIp])).toEqual([
      ['cam-01', 'camera', '127.33.26.1', '127.133.26.1'],
      ['cam-02', 'camera', '127.33.26.2', '127.133.26.2'],
      ['hotspot', 'hotspot', '127.33.26.3', null],
      ['console', 'console', '127.33.26.4', '127.133.26.3'],
      ['relay', 'relay', '127.33.26.5', '127.133.26.4'],
    ]);
    for (const s of specs) s.port = 8080;
    const doc = parseInventory(buildManifest(specs, 'Stage B'));
    expect(doc.links).toEqual([
      { from: 'cam-01', to: 'hotspot', kind: 'wifi' },
      { from: 'cam-02', to: 'hotspot', kind: 'wifi' },
      { from: 'console', to: 'hotspot', kind: 'wifi' },
      { from: 'relay', to: 'hotspot', kind: 'ethernet' },
    ]);
    expect(doc.devices.find((d) => d.id === 'hotspot')!.services).toEqual([{ name: 'admin', protocol: 'http', port: 8080, path: '/' }]);
    const other = buildLayout({ nodes: 1, lanCidr: '127.33.27.0/24', tailnetCidr: '127.133.27.0/24', extras: true, idPrefix: 'b-cam' });
    expect(other.map((s) => s.id)).toEqual(['b-cam-01', 'b-cam-hotspot', 'b-cam-console', 'b-cam-relay']);
  });
});

describe('faults per path', () => {
  it('maps each fault onto the lan and tailscale paths', () => {
    expect(faultOnPath({ mode: 'down' }, 'tailscale')).toEqual({ mode: 'down' });
    expect(faultOnPath({ mode: 'hang', path: 'lan' }, 'tailscale')).toEqual({ mode: 'ok' });
    expect(faultOnPath({ mode: 'slow', ms: 50, path: 'tailscale' }, 'tailscale')).toEqual({ mode: 'slow', ms: 50 });
    expect(faultOnPath({ mode: 'lan-down' }, 'lan')).toEqual({ mode: 'down' });
    expect(faultOnPath({ mode: 'lan-down' }, 'tailscale')).toEqual({ mode: 'ok' });
    expect(faultOnPath({ mode: 'tailscale-down' }, 'tailscale')).toEqual({ mode: 'down' });
  });
});

describe('SSE replay', () => {
  const ring: RingEvent[] = [5, 6, 7, 8].map((id) => ({ id, text: `id: ${id}` }));
  it('replays what follows a known id and reports a gap otherwise', () => {
    expect(replaySince(ring, 6, 9)!.map((e) => e.id)).toEqual([7, 8]);
    expect(replaySince(ring, 4, 9)!.map((e) => e.id)).toEqual([5, 6, 7, 8]);
    expect(replaySince(ring, 8, 9)).toEqual([]);
    expect(replaySince(ring, 3, 9)).toBeNull();
    expect(replaySince(ring, 12, 9)).toBeNull();
    expect(replaySince(ring, Number('abc'), 9)).toBeNull();
  });
});

describe('scenarios', () => {
  it('parses steps in time order and names a bad step', () => {
    expect(parseScenario('15:cam-02:ok, 5:cam-02:down,500ms:cam-01:slow=800@lan,2s:hotspot:lan-down')).toEqual([
      { atMs: 500, nodeId: 'cam-01', fault: { mode: 'slow', ms: 800, path: 'lan' } },
      { atMs: 2000, nodeId: 'hotspot', fault: { mode: 'lan-down' } },
      { atMs: 5000, nodeId: 'cam-02', fault: { mode: 'down' } },
      { atMs: 15000, nodeId: 'cam-02', fault: { mode: 'ok' } },
    ]);
    expect(() => parseScenario('5:cam-02')).toThrow(/step 1 "5:cam-02" is not AT:NODE:MODE/);
    expect(() => parseScenario('5:cam-02:melt')).toThrow(/mode must be one of/);
    expect(() => parseScenario('5:cam-02:slow')).toThrow(/scenario step 1/);
  });
});
