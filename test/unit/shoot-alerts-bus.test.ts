/**
 * The shoot rules as bus subscribers (issue 26 item 1), on a FakeClock: a scripted
 * camera at the runner boundary polls (a clock sample, an answer, a status) and
 * beats; the engine publishes `probe.outcome` and `node.status`, and ShootAlerts
 * decides from those alone. No poll of the engine: starting the rule arms no
 * timer, and it looks at a camera at most once a second on outcomes (a status
 * that is news is looked at at once).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertWriter } from '../../src/topology/alerts/alert-writer.ts';
import { ShootAlerts } from '../../src/topology/alerts/shoot.ts';
import { listAlerts } from '../../src/topology/alerts/store.ts';
import type { NodeStatus } from '../../src/topology/health-types.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import { ProbeEngine } from '../../src/topology/probes/engine.ts';
import type { ProbeRunner, RunnerDeps } from '../../src/topology/probes/runner.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import type { TimerHandle } from '../../src/topology/clock.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const BITRATE = 25_000_000;
const BYTES_PER_SEC = BITRATE / 8;

/** What the scripted camera reports; the test changes it between steps. */
const node = { skewMs: 0, recording: false, freeBytes: 0 };

/** A camera node at the runner boundary: a poll each interval (clock sample, answer, status) and a beat every 500 ms. */
class ShootNode implements ProbeRunner {
  private readonly timers: TimerHandle[] = [];
  constructor(private readonly deps: RunnerDeps, private readonly clock: FakeClock) {}
  start(delayMs: number): void {
    this.timers.push(this.clock.setTimeout(() => {
      this.poll();
      this.timers.push(this.clock.setInterval(() => this.poll(), this.deps.target.intervalMs));
      this.timers.push(this.clock.setInterval(() => this.deps.sink.ok(null, 'heartbeat received', 'stream'), 500));
    }, delayMs));
  }
  stop(): void {
    for (const t of this.timers.splice(0)) this.clock.clearTimeout(t);
  }
  probeNow(): void {}
  private poll(): void {
    const now = this.clock.now();
    this.deps.clock?.roundTrip(now, now, new Date(now + node.skewMs).toISOString());
    this.deps.sink.ok(3, 'HTTP 200 from /api/v1/status');
    const status: NodeStatus = {
      state: node.recording ? 'recording' : 'idle', battery: { level: 0.9, charging: true }, thermal: 'nominal',
      storage: { freeBytes: node.freeBytes, totalBytes: 256e9 }, uptimeSec: 100, time: new Date(now + node.skewMs).toISOString(),
      recording: node.recording ? { since: '2026-01-01T10:00:00.000Z', clip: 'A001', bitrateBps: BITRATE } : null,
    };
    this.deps.sink.status(status);
  }
}

let rig: TestRig;
let clock: FakeClock;
let engine: ProbeEngine;
let rule: ShootAlerts;
let looks: number;
const events: string[] = [];

beforeEach(() => {
  Object.assign(node, { skewMs: 0, recording: false, freeBytes: 100e9 });
  events.length = 0;
  looks = 0;
  rig = makeTestRig();
  importInventoryText({
    ctx: rig.ctx,
    text: JSON.stringify({ version: 1, devices: [{ id: 'cam-a', name: 'Cam A', role: 'camera', addresses: [{ network: 'lan', ip: '127.62.1.10' }], services: [{ name: 'camera-node', protocol: 'http', port: 8080 }] }] }),
  });
  // No start stagger: times stay whole ms, as the node's ISO clock strings are.
  clock = new FakeClock();
  engine = new ProbeEngine({
    ctx: rig.ctx, clock, runnerFor: (deps) => new ShootNode(deps, clock),
    options: { scope: parseProbeScope('127.0.0.0/8'), intervalMs: 1000, heartbeatFactor: 2.5, failuresToDown: 3, successesToUp: 2, flapThreshold: 6, flapWindowMs: 60_000, dataVersionPollMs: 0, staggerMs: 0 },
  });
  rule = new ShootAlerts({
    ctx: rig.ctx, clock, writer: new AlertWriter(rig.ctx, { clock }), options: { clockOffsetMs: 40, runwayMinutes: 20 },
    shoot: (id) => {
      looks++;
      return engine.shootOf(id);
    },
  });
  for (const t of ['alert.raised', 'alert.resolved'] as const) rig.bus.on(t, (e) => events.push(`${t.slice(6)} ${e.data.alert.kind}`));
});
afterEach(() => {
  rule.stop();
  engine.stop();
  rig.close();
});

describe('shoot rules decide on published outcomes', () => {
  it('clock_offset: one alert when the camera\'s clock jumps 200 ms ahead, resolved when it is back; no timer of its own', () => {
    const before = clock.pending;
    rule.start();
    expect(clock.pending).toBe(before);
    engine.start();
    clock.advance(5000);
    expect(events).toEqual([]);
    node.skewMs = 200;
    clock.advance(2000);
    expect(events).toEqual(['raised clock_offset']);
    expect(listAlerts({ ctx: rig.ctx }).open[0]?.message).toBe('Cam A\'s clock is 200 ms ahead of rigmap (limit 40 ms): its footage will not line up with the other cameras');
    clock.advance(10_000);
    expect(events).toEqual(['raised clock_offset']);
    node.skewMs = 0;
    clock.advance(2000);
    expect(events).toEqual(['raised clock_offset', 'resolved clock_offset']);
    // Three outcomes a second (a poll, two beats), a status news now and then: looked at about once a second, not per outcome.
    expect(looks).toBeGreaterThanOrEqual(18);
    expect(looks).toBeLessThanOrEqual(22);
  });

  it('runway_low: raised on the outcome after the runway falls under the limit (no status news needed), resolved when recording stops', () => {
    rule.start();
    engine.start();
    clock.advance(2000);
    node.recording = true;
    // 20.5 min of storage at 25 Mb/s, used up as the take runs.
    node.freeBytes = 20.5 * 60 * BYTES_PER_SEC;
    let under: number | null = null;
    let raisedAt: number | null = null;
    for (let i = 0; i < 600 && raisedAt === null; i++) {
      clock.advance(100);
      node.freeBytes -= BYTES_PER_SEC / 10;
      if (under === null && (engine.shootOf('cam-a').runway?.storageMinutes ?? 99) < 20) under = clock.now();
      if (events.includes('raised runway_low')) raisedAt = clock.now();
    }
    expect(under).not.toBeNull();
    expect(raisedAt).not.toBeNull();
    expect(raisedAt! - under!).toBeLessThanOrEqual(1000);
    expect(listAlerts({ ctx: rig.ctx }).open[0]?.message).toBe('Cam A has 19 min of storage left while recording (limit 20 min)');
    clock.advance(5000);
    expect(events).toEqual(['raised runway_low']);
    node.recording = false;
    clock.advance(1000);
    expect(events).toEqual(['raised runway_low', 'resolved runway_low']);
    expect(listAlerts({ ctx: rig.ctx }).recent[0]?.message).toBe('Cam A is no longer recording');
  });

  it('publishes device.shoot when the figures the board shows change, from the bus alone', () => {
    const shoot: Array<number | null> = [];
    rig.bus.on('device.shoot', (e) => shoot.push(e.data.clock?.offsetMs ?? null));
    rule.start();
    engine.start();
    clock.advance(3000);
    node.skewMs = 120;
    clock.advance(3000);
    expect(shoot).toEqual([0, 120]);
  });
});
