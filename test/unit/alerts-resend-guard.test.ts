/**
 * The Alertmanager re-sender goes through the URL guard every round (issue 25 item 1):
 * a notifier row from before the guard (`http://0.0.0.0:P`) and a notifier whose
 * name later resolves to a forbidden address get nothing; the refusal is logged
 * once per round. A real HTTP server on 127.0.0.1 (port 0) counts what arrives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertmanagerResender } from '../../src/topology/alerts/notifiers/alertmanager.ts';
import { addNotifier, listNotifiers } from '../../src/topology/alerts/notifiers/store.ts';
import { insertAlert } from '../../src/topology/alerts/store.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { notifiers } from '../../src/topology/store/schema.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

let server: Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let rig: TestRig;
beforeEach(() => {
  hits = 0;
  rig = makeTestRig();
  createDevice({ ctx: rig.ctx, input: { id: 'cam-a', name: 'Cam A', role: 'camera' } });
  insertAlert(rig.store.db, { kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost' });
});
afterEach(() => rig.close());

describe('the Alertmanager re-sender and the URL guard', () => {
  it('a notifier row written before the guard existed (http://0.0.0.0:P) receives nothing, refusal logged once per round', async () => {
    rig.ctx.db.insert(notifiers).values({ name: 'old', kind: 'alertmanager', url: `http://0.0.0.0:${port}`, enabled: true, minSeverity: 'info' }).run();
    const errors: string[] = [];
    const resender = new AlertmanagerResender({ ctx: rig.ctx, publicUrl: () => 'http://x', timeoutMs: 2000, notifiers: () => listNotifiers({ ctx: rig.ctx }), onError: (e) => errors.push(e.message) });
    for (let round = 1; round <= 3; round++) {
      await resender.resendNow();
      expect(errors).toHaveLength(round);
      expect(errors[round - 1]).toMatch(/notifier old: re-send refused: .*not a host/);
    }
    expect(hits).toBe(0);
    expect(resender.counts).toMatchObject({ rounds: 3, sent: 0, refused: 3 });
  });

  it('a notifier whose host name resolves to a forbidden address after it was added receives nothing on re-send', async () => {
    addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: `http://am.rig.test:${port}` } });
    const asked: string[] = [];
    const errors: string[] = [];
    const resender = new AlertmanagerResender({
      ctx: rig.ctx, publicUrl: () => 'http://x', timeoutMs: 2000, notifiers: () => listNotifiers({ ctx: rig.ctx }), onError: (e) => errors.push(e.message),
      resolve: async (host) => (asked.push(host), [{ address: '0.0.0.0' }]),
    });
    await resender.resendNow();
    await resender.resendNow();
    expect(asked).toEqual(['am.rig.test', 'am.rig.test']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/re-send refused: .*host am\.rig\.test points at 0\.0\.0\.0/);
    expect(hits).toBe(0);
  });

  it('a host name resolving to rigmap itself (address and port) is refused', async () => {
    addNotifier({ ctx: rig.ctx, input: { name: 'me', kind: 'alertmanager', url: `http://rigself.test:${port}` } });
    const errors: string[] = [];
    const resender = new AlertmanagerResender({
      ctx: rig.ctx, publicUrl: () => 'http://x', timeoutMs: 2000, notifiers: () => listNotifiers({ ctx: rig.ctx }), onError: (e) => errors.push(e.message),
      self: () => ({ host: '127.0.0.1', ports: [port] }), resolve: async () => [{ address: '127.0.0.1' }],
    });
    await resender.resendNow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/points at rigmap itself/);
    expect(hits).toBe(0);
  });
});
