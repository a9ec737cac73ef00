/**
 * One outcome (issue 26 item 1): a runner reports a result, the engine runs the
 * path machine and publishes one `probe.outcome`; metrics and history are
 * subscribers of the bus. /metrics reads the state the metrics subscriber keeps
 * (it has no way to ask the engine). Internal events stay off SSE and the
 * audit trail (no sequence number, not seen by onAny). On a FakeClock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RigEvent } from '../../src/topology/events.ts';
import { HistoryRecorder } from '../../src/topology/history/recorder.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import { RigMetrics } from '../../src/topology/metrics.ts';
import { ProbeEngine } from '../../src/topology/probes/engine.ts';
import type { ProbeOutcome } from '../../src/topology/probes/outcome.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import { healthTransitions } from '../../src/topology/store/schema.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { cut, ScriptedNode } from '../helpers/scripted-node.ts';

/** The value of the one sample of `name` whose labels include `labels` (label order is prom-client's business). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

let rig: TestRig;
let engine: ProbeEngine;
let clock: FakeClock;
const outcomes: ProbeOutcome[] = [];

beforeEach(() => {
  cut.clear();
  outcomes.length = 0;
  rig = makeTestRig();
  importInventoryText({
    ctx: rig.ctx,
    text: JSON.stringify({
      version: 1,
      devices: [{ id: 'cam-a', name: 'Cam A', role: 'camera', addresses: [{ network: 'lan', ip: '127.53.6.10' }, { network: 'tailscale', ip: '127.53.6.110' }], services: [{ name: 'camera-node', protocol: 'http', port: 8080 }] }],
    }),
  });
  clock = new FakeClock();
  engine = new ProbeEngine({
    ctx: rig.ctx, clock, runnerFor: (deps) => new ScriptedNode(deps, true),
    options: { scope: parseProbeScope('127.0.0.0/8'), intervalMs: 1000, heartbeatFactor: 2.5, failuresToDown: 3, successesToUp: 2, flapThreshold: 6, flapWindowMs: 60_000, dataVersionPollMs: 0, staggerMs: 10 },
  });
  rig.bus.on('probe.outcome', (e) => outcomes.push(e.data));
});
afterEach(() => {
  engine.stop();
  rig.close();
});

describe('one outcome per result', () => {
  it('every result is one probe.outcome; the one that moves the path carries the transition and the device\'s new health, before path.state and device.state', async () => {
    const order: string[] = [];
    for (const t of ['path.state', 'device.state', 'probe.outcome'] as const) rig.bus.on(t, (e) => order.push(e.type));
    engine.start();
    await clock.advanceAsync(3000);
    expect(outcomes.length).toBeGreaterThan(8);
    const moved = outcomes.filter((o) => o.transition);
    expect(moved.map((o) => `${o.target.network}:${o.transition!.from}>${o.transition!.to}`).sort()).toEqual(['lan:unknown>up', 'tailscale:unknown>up']);
    const last = moved.at(-1)!;
    expect(last.device).toMatchObject({ deviceId: 'cam-a', state: 'up' });
    expect(last.deviceState).toBe('up');
    expect(outcomes.filter((o) => !o.transition).every((o) => o.device === null && o.ok)).toBe(true);
    // The derived events come first (alerting and browsers read them), then the outcome.
    // The outcome first (history writes the transition row before anyone reacts), then the derived events.
    const firstMove = order.indexOf('path.state');
    expect(order[firstMove - 1]).toBe('probe.outcome');
    const deviceUp = order.indexOf('device.state');
    expect(order.slice(deviceUp - 2, deviceUp + 1)).toEqual(['probe.outcome', 'path.state', 'device.state']);

    cut.add('cam-a');
    await clock.advanceAsync(3000);
    const down = outcomes.filter((o) => o.transition?.to === 'down');
    expect(down.map((o) => o.target.network).sort()).toEqual(['lan', 'tailscale']);
    expect(down.every((o) => !o.ok && o.category === 'heartbeat_silent' && o.source === 'stream')).toBe(true);
    expect(down.at(-1)!.device).toMatchObject({ state: 'down' });
  });

  it('metrics and history are fed from the bus only; /metrics reads what the subscriber kept', async () => {
    const metrics = new RigMetrics({ clock, rig: () => 'R' });
    metrics.subscribe(rig.bus);
    const history = new HistoryRecorder({ db: rig.store.db, retentionDays: 30, clock });
    history.subscribe(rig.bus);
    engine.start();
    await clock.advanceAsync(3000);
    let text = await metrics.text();
    const lan = { device: 'cam-a', network: 'lan', rig: 'R' };
    expect(sample(text, 'rigmap_path_up', { ...lan, address: '127.53.6.10', service: 'camera-node' })).toBe(1);
    expect(sample(text, 'rigmap_device_up', { device: 'cam-a', rig: 'R' })).toBe(1);
    expect(sample(text, 'rigmap_path_latency_seconds_count', lan)).toBeGreaterThan(0);
    cut.add('cam-a');
    await clock.advanceAsync(3000);
    text = await metrics.text();
    expect(sample(text, 'rigmap_device_up', { device: 'cam-a', rig: 'R' })).toBe(0);
    expect(sample(text, 'rigmap_path_up', lan)).toBe(0);
    expect(sample(text, 'rigmap_path_transitions_total', { ...lan, to: 'down' })).toBe(1);
    expect(sample(text, 'rigmap_probe_errors_total', { ...lan, reason: 'heartbeat_silent' })).toBe(1);
    // The heartbeat age moves on with the clock, from the kept last beat, without the engine.
    engine.stop();
    const age = (t: string) => sample(t, 'rigmap_path_heartbeat_age_seconds', lan)!;
    const before = age(await metrics.text());
    clock.advance(10_000);
    expect(age(await metrics.text())).toBeCloseTo(before + 10, 3);
    // History: every transition as a row, samples in the rollups.
    history.flush();
    const rows = rig.store.db.select().from(healthTransitions).all().map((r) => `${r.network}:${r.fromState}>${r.toState}`).sort();
    expect(rows).toEqual(['lan:unknown>up', 'lan:up>down', 'tailscale:unknown>up', 'tailscale:up>down']);
    history.stop();
    metrics.unsubscribe();
  });

  it('internal events take no sequence number and never reach onAny (SSE, audit)', async () => {
    const seen: RigEvent[] = [];
    const seqBefore = rig.bus.lastSeq;
    rig.bus.onAny((e) => seen.push(e));
    engine.start();
    await clock.advanceAsync(3000);
    expect(outcomes.length).toBeGreaterThan(8);
    expect(seen.some((e) => e.type === 'probe.outcome' || e.type === 'probe.map')).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
    expect(rig.bus.lastSeq - seqBefore).toBe(seen.length);
  });
});
