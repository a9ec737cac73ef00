/** Holding, settling, telemetry thresholds, never-seen and typed timers, on a fake clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { Timers } from '../../src/topology/alerts/clock.ts';
import type { NodeStatus } from '../../src/topology/health-types.ts';
import { FakeClock, makeWorld } from './alerts-world.ts';

let w: ReturnType<typeof makeWorld>;
afterEach(() => w?.close());

const status = (o: Partial<NodeStatus> = {}): NodeStatus => ({
  state: 'idle', battery: { level: 0.8, charging: false }, thermal: 'nominal', storage: { freeBytes: 50e9, totalBytes: 128e9 }, uptimeSec: 1, time: '', ...o,
});

describe('holding and settling', () => {
  it('a refused device that bounces back inside the hold raises nothing', () => {
    w = makeWorld();
    w.run(2000);
    w.setPath('cam-1', 'lan', 'down');
    w.setPath('cam-1', 'tailscale', 'down');
    w.run(500);
    w.setPath('cam-1', 'lan', 'up');
    w.setPath('cam-1', 'tailscale', 'up');
    w.run(5000);
    expect(w.raised()).toEqual([]);
  });

  it('one device_lost, resolved only after the device stays back for the settle time', () => {
    w = makeWorld();
    w.run(2000);
    w.setPath('cam-1', 'lan', 'down');
    w.setPath('cam-1', 'tailscale', 'down');
    // Refused at once: the hold, then the other cameras beating on proves hotspot and tailnet fine.
    w.run(2000);
    expect(w.raised()).toEqual(['device_lost:cam-1']);
    w.setPath('cam-1', 'lan', 'up');
    w.setPath('cam-1', 'tailscale', 'up');
    w.run(4000);
    expect(w.open('device_lost', 'cam-1')).toBeDefined();
    w.run(1500);
    expect(w.open('device_lost', 'cam-1')).toBeUndefined();
    expect(w.alerts().recent[0]!.message).toMatch(/cam-1 is back \(every path up\)/);
  });
});

describe('coming back from down', () => {
  it('a path reconnecting a few seconds after the other raises nothing; one that stays down raises path_lost', () => {
    w = makeWorld();
    w.run(2000);
    w.setPath('cam-1', 'lan', 'down');
    w.setPath('cam-1', 'tailscale', 'down');
    w.run(2000);
    expect(w.raised()).toEqual(['device_lost:cam-1']);
    w.setPath('cam-1', 'tailscale', 'up');
    w.run(3000);
    w.setPath('cam-1', 'lan', 'up');
    w.run(6000);
    expect(w.raised()).toEqual(['device_lost:cam-1']);
    expect(w.alerts().open).toEqual([]);
    // The same, but the LAN path never comes back.
    w.setPath('cam-1', 'lan', 'down');
    w.setPath('cam-1', 'tailscale', 'down');
    w.run(2000);
    w.setPath('cam-1', 'tailscale', 'up');
    w.run(3500);
    expect(w.raised()).toEqual(['device_lost:cam-1', 'device_lost:cam-1']);
    w.run(2000);
    expect(w.raised()).toEqual(['device_lost:cam-1', 'device_lost:cam-1', 'path_lost:cam-1:lan']);
  });
});

describe('telemetry thresholds', () => {
  it('battery low raises once, resolves only 5 points above the threshold or when charging', () => {
    w = makeWorld();
    w.setStatus('cam-1', status({ battery: { level: 0.1, charging: false } }));
    w.setStatus('cam-1', status({ battery: { level: 0.09, charging: false } }));
    expect(w.raised()).toEqual(['battery_low:cam-1']);
    w.setStatus('cam-1', status({ battery: { level: 0.17, charging: false } }));
    expect(w.open('battery_low', 'cam-1')).toBeDefined();
    w.setStatus('cam-1', status({ battery: { level: 0.17, charging: true } }));
    expect(w.open('battery_low', 'cam-1')).toBeUndefined();
  });

  it('thermal serious/critical and storage low raise and resolve', () => {
    w = makeWorld();
    w.setStatus('cam-2', status({ thermal: 'critical', storage: { freeBytes: 5e9, totalBytes: 128e9 } }));
    expect(w.alerts().open.map((a) => `${a.kind}:${a.severity}`).sort()).toEqual(['storage_low:warning', 'thermal:critical']);
    w.setStatus('cam-2', status());
    expect(w.alerts().open).toEqual([]);
  });
});

describe('never seen', () => {
  it('an expected device that never answered raises after the delay and resolves when seen', () => {
    w = makeWorld({ options: { neverSeenAfterMs: 10_000 }, neverSeen: ['cam-3'] });
    w.run(9000);
    expect(w.raised()).toEqual([]);
    w.run(2000);
    expect(w.raised()).toEqual(['expected_never_seen:cam-3']);
    w.setPath('cam-3', 'lan', 'up');
    w.setPath('cam-3', 'tailscale', 'up');
    expect(w.open('expected_never_seen', 'cam-3')).toBeUndefined();
  });
});

describe('typed timers', () => {
  it('one timer per key; cancelling a device cancels only its timers', () => {
    const clock = new FakeClock();
    const timers = new Timers(clock);
    const ran: string[] = [];
    timers.set({ rule: 'hold-lost', deviceId: 'a' }, 100, () => ran.push('lost a'));
    timers.set({ rule: 'hold-lost', deviceId: 'a' }, 200, () => ran.push('lost a again'));
    timers.set({ rule: 'hold-path', deviceId: 'a', network: 'lan' }, 100, () => ran.push('path a'));
    timers.set({ rule: 'hold-path', deviceId: 'a:lan', network: 'lan' }, 100, () => ran.push('path a:lan'));
    timers.set({ rule: 'settle', deviceId: 'b' }, 100, () => ran.push('settle b'));
    timers.cancelDevice('a');
    expect(timers.has({ rule: 'settle', deviceId: 'b' })).toBe(true);
    clock.advance(300);
    expect(ran).toEqual(['path a:lan', 'settle b']);
  });
});
