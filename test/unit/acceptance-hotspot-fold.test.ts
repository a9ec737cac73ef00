/**
 * Acceptance (issue 26): a silent hotspot outage with 5 cameras behind it emits
 * exactly one alert.raised-type notification, and its payload already lists the
 * 5 folded cameras; a real HTTP webhook receiver gets that same list. The whole
 * road runs as wired by startHealth: runner → probe engine (path machine) → bus →
 * alert rules → alert service → dispatcher → webhook, on one FakeClock: time moves
 * in milliseconds, nothing sleeps. The cameras are scripted at the runner
 * boundary (beats and polls on the fake clock, the real φ-accrual detector judging
 * silence); the real-network version of this is test/integration/health-upstream.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { healthOptionsFromConfig } from '../../src/server/health-options.ts';
import { addNotifier } from '../../src/topology/alerts/notifiers/store.ts';
import { startHealth, type HealthService } from '../../src/topology/health-service.ts';
import type { Alert } from '../../src/topology/health-types.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import type { WebhookPayload } from '../../src/topology/alerts/notifiers/format.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { cut, ScriptedNode } from '../helpers/scripted-node.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const CAMS = ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5'];

let rig: TestRig;
let receiver: Server;
let health: HealthService;
const hooks: WebhookPayload[] = [];

beforeEach(async () => {
  cut.clear();
  hooks.length = 0;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as WebhookPayload);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.53.5.1', r));
  rig = makeTestRig();
  importInventoryText({
    ctx: rig.ctx,
    text: JSON.stringify({
      version: 1,
      devices: [
        { id: 'hotspot', name: 'Hotspot', role: 'hotspot', addresses: [{ network: 'lan', ip: '127.53.5.10' }], services: [{ name: 'admin', protocol: 'http', port: 80 }] },
        ...CAMS.map((id, i) => ({ id, name: id, role: 'camera', expected: true, addresses: [{ network: 'lan', ip: `127.53.5.${20 + i}` }], services: [{ name: 'camera-node', protocol: 'http', port: 8080 }] })),
      ],
      links: CAMS.map((id) => ({ from: id, to: 'hotspot', kind: 'wifi' })),
    }),
  });
  addNotifier({ ctx: rig.ctx, input: { name: 'hook', kind: 'webhook', url: `http://127.53.5.1:${(receiver.address() as AddressInfo).port}/hook` } });
});

afterEach(async () => {
  await health?.stop();
  rig.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describe('a silent hotspot outage, probe to webhook, on the fake clock', () => {
  it('one alert.raised notice, already listing the 5 cameras; the webhook receives the same list', async () => {
    const clock = new FakeClock();
    const options = healthOptionsFromConfig(loadConfig({ db: rig.store.path, probeCidrs: '127.0.0.0/8', neverSeenAfterSec: '0' }, {}));
    health = startHealth({
      ctx: { ...rig.ctx, actor: 'probe' },
      options: { ...options, clock, probes: { ...options.probes, dataVersionPollMs: 0 }, runnerFor: (deps) => new ScriptedNode(deps, deps.target.deviceId !== 'hotspot') },
    });
    const raisedOnBus: Alert[] = [];
    rig.bus.on('alert.raised', (e) => raisedOnBus.push(e.data.alert));

    await clock.advanceAsync(10_000);
    expect(health.engine.allHealth().map((h) => `${h.deviceId}:${h.state}`).sort()).toEqual(['cam-1:up', 'cam-2:up', 'cam-3:up', 'cam-4:up', 'cam-5:up', 'hotspot:up']);

    cut.add('hotspot'); // the hotspot goes silent: no refusal anywhere, only quiet
    await clock.advanceAsync(30_000);

    expect(health.engine.allHealth().every((h) => h.state === 'down')).toBe(true);
    expect(raisedOnBus.map((a) => `${a.kind}:${a.deviceId}`)).toEqual(['device_lost:hotspot']);
    expect(raisedOnBus[0]!.folded).toEqual(CAMS);
    const hook = await eventually('the webhook notice', () => hooks.find((x) => x.event === 'alert.raised'));
    expect(hook.alert.folded).toEqual(CAMS);
    expect(hook.alert.message).toMatch(/covers cam-1, cam-2, cam-3, cam-4, cam-5/);
    expect(hook.text).toContain('also affects cam-1, cam-2, cam-3, cam-4, cam-5');
    // Exactly one notice: nothing else was raised (and chat webhooks are not told of later edits).
    await clock.advanceAsync(5_000);
    expect(hooks.filter((x) => x.event === 'alert.raised')).toHaveLength(1);
    expect(raisedOnBus).toHaveLength(1);
  });
});
