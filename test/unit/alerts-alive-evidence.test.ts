/**
 * Issue 22 gap: the tailscaled ping of a camera that stopped answering
 * (PhoneAliveChecks) is quoted in its open device_lost alert, reworded once
 * through the alert service, so one `alert.changed` carries the new text.
 * Fake clock for the hold and settle; the ping is held by the test and answered
 * when the test says, as tailscaled's reply would come in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, TailnetPing } from '../../src/topology/health-types.ts';
import { PhoneAliveChecks, type AlivePinger } from '../../src/topology/tailscale/phone-alive.ts';
import { TailnetHealth } from '../../src/topology/tailscale/tailnet-health.ts';
import { makeWorld } from './alerts-world.ts';

let w: ReturnType<typeof makeWorld>;
let checks: PhoneAliveChecks | null = null;
afterEach(() => {
  checks?.stop();
  w?.close();
});

/** The tailnet side as the service runs it: a real TailnetHealth on the bus; pings wait until the test answers them. */
function tailnet(world: ReturnType<typeof makeWorld>) {
  const health = new TailnetHealth({ bus: () => world.ctx.bus, clock: world.clock });
  health.observePaths(world.cams.map((deviceId) => ({
    deviceId, nodeId: `n-${deviceId}`, quality: 'direct' as const, curAddr: '127.66.0.9:41641', relay: null, peerRelay: null,
    lastWrite: null, rxBytes: 0, txBytes: 0, summary: 'direct 127.66.0.9:41641',
  })));
  const waiting: Array<(ping: TailnetPing) => void> = [];
  const pinger: AlivePinger = {
    pingDevice: (deviceId, evidence) => new Promise((done) => waiting.push((ping) => {
      const said = { ...ping, evidence: evidence(ping) };
      health.recordPing(deviceId, said);
      done(said);
    })),
    clearEvidence: () => {},
  };
  checks = new PhoneAliveChecks({ bus: world.ctx.bus, pinger, clock: world.clock }).start();
  const at = () => new Date(world.clock.now()).toISOString();
  return {
    asked: () => waiting.length,
    answer: (rttMs: number) => waiting.shift()!({ rttMs, via: 'direct', endpoint: '127.66.0.9:41641', at: at(), error: null }),
    silent: () => waiting.shift()!({ rttMs: null, via: null, endpoint: null, at: at(), error: 'timed out' }),
  };
}

function changes(world: ReturnType<typeof makeWorld>) {
  const seen: Alert[] = [];
  world.ctx.bus.on('alert.changed', (e) => seen.push(e.data.alert));
  return seen;
}

function loseCam1(world: ReturnType<typeof makeWorld>) {
  world.run(2000);
  world.setPath('cam-1', 'lan', 'down');
  world.setPath('cam-1', 'tailscale', 'down');
}

describe('the device_lost alert quotes what tailscaled says', () => {
  it('the alert is raised, then the ping answers: one alert.changed carries the evidence sentence', async () => {
    w = makeWorld();
    const t = tailnet(w);
    const changed = changes(w);
    loseCam1(w);
    expect(t.asked()).toBe(1);
    w.run(2000);
    const raised = w.open('device_lost', 'cam-1')!;
    expect(raised.message).not.toMatch(/tailscaled/);
    t.answer(12);
    await Promise.resolve();
    expect(changed).toHaveLength(1);
    expect(changed[0]!.id).toBe(raised.id);
    expect(changed[0]!.message).toBe(`${raised.message} — tailscaled reaches the device (12 ms, direct): the device is alive and on the tailnet; the camera app does not answer`);
    expect(w.open('device_lost', 'cam-1')).toEqual(changed[0]);
  });

  it('no answer either says so; a later sentence does not reword the same alert again', async () => {
    w = makeWorld();
    const t = tailnet(w);
    const changed = changes(w);
    loseCam1(w);
    w.run(2000);
    t.silent();
    await Promise.resolve();
    expect(changed.map((a) => a.message)).toEqual([expect.stringMatching(/ — tailscaled gets no answer from the device either \(timed out\): the device is off, asleep or out of range$/)]);
    // One path back and lost again: a second ping, a second sentence, while the same alert stays open.
    w.run(11_000);
    w.setPath('cam-1', 'lan', 'up');
    w.setPath('cam-1', 'lan', 'down');
    expect(t.asked()).toBe(1);
    t.answer(30);
    await Promise.resolve();
    expect(changed).toHaveLength(1);
  });

  it('a ping answered during the hold is quoted as the alert is raised (one rewording)', async () => {
    w = makeWorld();
    const t = tailnet(w);
    const changed = changes(w);
    loseCam1(w);
    t.answer(8);
    await Promise.resolve();
    expect(w.open('device_lost', 'cam-1')).toBeUndefined();
    w.run(2000);
    expect(changed).toHaveLength(1);
    expect(changed[0]!.message).toMatch(/ — tailscaled reaches the device \(8 ms, direct\)/);
    expect(w.open('device_lost', 'cam-1')!.message).toBe(changed[0]!.message);
  });

  it('no change when the alert already resolved before the ping answered', async () => {
    w = makeWorld();
    const t = tailnet(w);
    const changed = changes(w);
    loseCam1(w);
    w.run(2000);
    w.setPath('cam-1', 'lan', 'up');
    w.setPath('cam-1', 'tailscale', 'up');
    w.run(6000);
    expect(w.open('device_lost', 'cam-1')).toBeUndefined();
    const resolved = w.alerts().recent.find((a) => a.kind === 'device_lost')!;
    t.answer(12);
    await Promise.resolve();
    expect(changed).toEqual([]);
    expect(w.alerts().recent.find((a) => a.id === resolved.id)).toEqual(resolved);
  });
});

describe('an alert already quoting tailscaled (reworded before a restart)', () => {
  it('is not reworded a second time by a fresh rule', async () => {
    w = makeWorld();
    const t = tailnet(w);
    loseCam1(w);
    w.run(2000);
    t.answer(12);
    await Promise.resolve();
    const quoted = w.open('device_lost', 'cam-1')!;
    // A second alerting stack on the same database, as after a restart: it has no memory of the rewording.
    w.manager.stop();
    const { AlertManager } = await import('../../src/topology/alerts/manager.ts');
    const again = new AlertManager({ ctx: w.ctx, health: w.health, clock: w.clock, options: { holdMs: 1000, settleMs: 5000, neverSeenAfterMs: 0, batteryLow: 0.15, storageLow: 0.1 } });
    again.start();
    const changed = changes(w);
    w.setPath('cam-1', 'lan', 'up');
    w.setPath('cam-1', 'lan', 'down');
    t.answer(40);
    await Promise.resolve();
    again.stop();
    expect(changed).toEqual([]);
    expect(w.open('device_lost', 'cam-1')!.message).toBe(quoted.message);
  });
});
