/**
 * The Alertmanager notifier kind: the v2 alert shape, the push on raise and
 * resolve, and the re-send cadence (fake clock) that keeps open alerts from
 * expiring in Alertmanager. A real HTTP server on 127.38.1.1 stands in for
 * Alertmanager's /api/v2/alerts (the real one is in test/integration/fleet-*.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertmanagerResender, alertmanagerEndpoint, toAlertmanagerAlert, type AlertmanagerAlert } from '../../src/topology/alerts/notifiers/alertmanager.ts';
import { systemClock, type Clock } from '../../src/topology/clock.ts';
import { AlertDispatcher } from '../../src/topology/alerts/notifiers/dispatch.ts';
import { addNotifier, listNotifiers } from '../../src/topology/alerts/notifiers/store.ts';
import { insertAlert, resolveAlertRow } from '../../src/topology/alerts/store.ts';
import { createDevice } from '../../src/topology/devices.ts';
import type { Alert } from '../../src/topology/health-types.ts';
import { writeMeta } from '../../src/topology/rig.ts';
import { untilHolds as until } from '../helpers/eventually.ts';

import { makeTestRig, type TestRig } from '../helpers/app.ts';

const HOST = '127.38.1.1';
let server: Server;
let base: string;
let received: Array<{ path: string; alerts: AlertmanagerAlert[] }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', alerts: JSON.parse(body) as AlertmanagerAlert[] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('');
    });
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  base = `http://${HOST}:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let rig: TestRig;
beforeEach(() => {
  received = [];
  rig = makeTestRig();
  writeMeta(rig.store.db, 'rig.name', 'B');
  createDevice({ ctx: rig.ctx, input: { id: 'cam-a', name: 'Cam A', role: 'camera' } });
});
afterEach(() => rig.close());

/** A clock whose one pending timer the test fires by hand. */
function fakeClock() {
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const clock: Clock = {
    ...systemClock,
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (h) => { (h as { cleared: boolean }).cleared = true; },
  };
  const pending = () => timers.filter((t) => !t.cleared && !(t as { fired?: boolean }).fired);
  const fire = () => {
    const t = pending()[0];
    if (!t) throw new Error('no timer pending');
    (t as { fired?: boolean }).fired = true;
    t.fn();
  };
  return { clock, pending, fire };
}

const sample: Alert = {
  id: 7, kind: 'device_lost', deviceId: 'hotspot', network: 'lan', severity: 'critical', message: 'Hotspot lost: LAN path down',
  folded: ['cam-a', 'cam-b'], raisedAt: '2026-11-30T10:00:00.000Z', resolvedAt: null, acknowledgedAt: null, acknowledgedBy: null,
};

describe('Alertmanager alert shape', () => {
  it('labels rig, device, role, network, severity; folds into an annotation; links to the panel', () => {
    const a = toAlertmanagerAlert({ alert: sample, event: 'alert.raised', rig: 'Stage 2', role: 'hotspot', publicUrl: 'https://rig.example:4747/' });
    expect(a.labels).toEqual({ alertname: 'RigmapDeviceLost', rig: 'Stage 2', device: 'hotspot', role: 'hotspot', network: 'lan', severity: 'critical' });
    expect(a.annotations.folded_devices).toBe('cam-a, cam-b');
    expect(a.annotations.summary).toBe(sample.message);
    expect(a.startsAt).toBe(sample.raisedAt);
    expect(a.endsAt).toBeUndefined();
    expect(a.generatorURL).toBe('https://rig.example:4747/#graph?device=hotspot');
  });

  it('sets endsAt on resolve and leaves out the network label for device alerts', () => {
    const resolved = { ...sample, network: null, folded: [], resolvedAt: '2026-11-30T10:05:00.000Z' };
    const a = toAlertmanagerAlert({ alert: resolved, event: 'alert.resolved', rig: 'B', role: 'camera', publicUrl: 'http://x' });
    expect(a.endsAt).toBe('2026-11-30T10:05:00.000Z');
    expect(a.labels.network).toBeUndefined();
    expect(a.annotations.folded_devices).toBeUndefined();
  });

  it('posts to /api/v2/alerts under the base URL, with or without a trailing slash or a path prefix', () => {
    expect(alertmanagerEndpoint('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertmanagerEndpoint('http://am:9093/')).toBe('http://am:9093/api/v2/alerts');
    expect(alertmanagerEndpoint('http://proxy/am/')).toBe('http://proxy/am/api/v2/alerts');
  });
});

describe('Alertmanager notifier', () => {
  it('is a notifier kind the store accepts', () => {
    const n = addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: base } });
    expect(n.kind).toBe('alertmanager');
  });

  it('pushes a raised alert at once and its resolution with endsAt', async () => {
    addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: base } });
    const dispatcher = new AlertDispatcher({ ctx: rig.ctx, baseDelayMs: 10, publicUrl: () => 'http://rig-b:4747' });
    dispatcher.start();
    try {
      const alert = insertAlert(rig.store.db, { kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost' });
      rig.bus.emit('alert.raised', { alert });
      await until('the raise', () => expect(received).toHaveLength(1));
      expect(received[0]!.path).toBe('/api/v2/alerts');
      expect(received[0]!.alerts[0]!.labels).toMatchObject({ alertname: 'RigmapDeviceLost', rig: 'B', device: 'cam-a', role: 'camera' });
      expect(received[0]!.alerts[0]!.generatorURL).toBe('http://rig-b:4747/#graph?device=cam-a');
      const resolved = resolveAlertRow(rig.store.db, alert.id)!;
      rig.bus.emit('alert.resolved', { alert: resolved });
      await until('the resolution', () => expect(received).toHaveLength(2));
      expect(received[1]!.alerts[0]!.endsAt).toBe(resolved.resolvedAt);
    } finally {
      await dispatcher.stop();
    }
  });

  it('re-sends every open alert on its cadence (under resolve_timeout) and stops re-sending once resolved', async () => {
    addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: base } });
    addNotifier({ ctx: rig.ctx, input: { name: 'hook', kind: 'webhook', url: `${base}/hook` } });
    const { clock, pending, fire } = fakeClock();
    const resender = new AlertmanagerResender({ ctx: rig.ctx, publicUrl: () => 'http://rig-b', clock, notifiers: () => listNotifiers({ ctx: rig.ctx }) });
    resender.start();
    try {
      expect(pending()).toHaveLength(1);
      // The default cadence re-sends well before Alertmanager's default 5-minute resolve_timeout.
      expect(pending()[0]!.ms).toBeLessThan(5 * 60_000);
      const alert = insertAlert(rig.store.db, { kind: 'path_lost', deviceId: 'cam-a', network: 'tailscale', severity: 'warning', message: 'Cam A: Tailscale path lost' });
      for (let round = 1; round <= 3; round++) {
        fire();
        await until(`round ${round}`, () => expect(resender.counts.sent).toBe(round));
        expect(received).toHaveLength(round);
        expect(received[round - 1]!.path).toBe('/api/v2/alerts');
        expect(received[round - 1]!.alerts.map((a) => a.labels.device + '/' + a.labels.network)).toEqual(['cam-a/tailscale']);
        expect(received[round - 1]!.alerts[0]!.endsAt).toBeUndefined();
        await until('the next round scheduled', () => expect(pending()).toHaveLength(1));
      }
      resolveAlertRow(rig.store.db, alert.id);
      fire();
      await until('round 4', () => expect(resender.counts.rounds).toBe(4));
      await until('the next round scheduled', () => expect(pending()).toHaveLength(1));
      expect(received).toHaveLength(3);
    } finally {
      await resender.stop();
    }
    expect(pending()).toHaveLength(0);
  });

  it('counts a failed re-send and keeps its cadence (the next round is the retry)', async () => {
    addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: 'http://127.38.1.2:9' } });
    insertAlert(rig.store.db, { kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost' });
    const { clock, pending, fire } = fakeClock();
    const errors: string[] = [];
    const resender = new AlertmanagerResender({ ctx: rig.ctx, publicUrl: () => 'http://x', clock, timeoutMs: 2000, notifiers: () => listNotifiers({ ctx: rig.ctx }), onError: (e) => errors.push(e.message) });
    resender.start();
    try {
      fire();
      await until('the failure', () => expect(resender.counts.failed).toBe(1));
      expect(errors[0]).toMatch(/notifier am: re-send of 1 open alerts failed/);
      await until('the next round scheduled', () => expect(pending()).toHaveLength(1));
    } finally {
      await resender.stop();
    }
  });

  it('never reads the answer: an endless body does not hold a round', async () => {
    const endless = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => endless.listen(0, '127.38.1.3', r));
    try {
      addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: `http://127.38.1.3:${(endless.address() as AddressInfo).port}` } });
      insertAlert(rig.store.db, { kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost' });
      const { clock, pending, fire } = fakeClock();
      const resender = new AlertmanagerResender({ ctx: rig.ctx, publicUrl: () => 'http://x', clock, timeoutMs: 60_000, notifiers: () => listNotifiers({ ctx: rig.ctx }) });
      resender.start();
      try {
        fire();
        await until('the round done', () => expect(resender.counts.sent).toBe(1));
        await until('the next round scheduled', () => expect(pending()).toHaveLength(1));
      } finally {
        await resender.stop();
      }
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((r) => endless.close(() => r()));
    }
  });
});
