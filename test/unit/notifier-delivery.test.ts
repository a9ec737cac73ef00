/**
 * One delivery function with the URL guard (issue 25 items 1, 2, 6; issue 26 item 2).
 * Every notice is checked on the addresses its host resolves to and sent to one of
 * those addresses (no second lookup: DNS rebinding), with the URL's Host header;
 * a notifier or a relay target that is rigmap itself under a host name is refused.
 * Real HTTP servers on 127.53.1.x (this file's range) count what arrives.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertWriter } from '../../src/topology/alerts/alert-writer.ts';
import { sendNotice } from '../../src/topology/alerts/notifiers/deliver.ts';
import { AlertDispatcher, type DeliveryResult } from '../../src/topology/alerts/notifiers/dispatch.ts';
import { addNotifier } from '../../src/topology/alerts/notifiers/store.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import { openRelay } from '../../src/topology/relay/relay.ts';
import { resolvesToSelf } from '../../src/topology/relay/self.ts';
import { notifiers } from '../../src/topology/store/schema.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const GOOD = '127.53.1.1';
const OTHER = '127.53.1.2';
let good: Server;
let other: Server;
let port = 0;
const hits: Array<{ at: string; host: string | undefined; url: string | undefined; body: string }> = [];

function listen(address: string, p: number, name: string): Promise<Server> {
  const s = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ at: name, host: req.headers.host, url: req.url, body });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(p, address, () => resolve(s));
  });
}

beforeAll(async () => {
  good = await listen(GOOD, 0, 'good');
  port = (good.address() as AddressInfo).port;
  other = await listen(OTHER, port, 'other');
});
afterAll(async () => {
  await Promise.all([good, other].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

let rig: TestRig;
beforeEach(() => {
  hits.length = 0;
  rig = makeTestRig();
  createDevice({ ctx: rig.ctx, input: { id: 'cam-a', name: 'Cam A', role: 'camera' } });
});
afterEach(() => rig.close());

const request = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{"x":1}' });

describe('sendNotice: the guard, then the checked address', () => {
  it('DNS rebinding: the resolver answers a good address at the check and another later; the POST goes to the checked one, with the URL\'s Host', async () => {
    let asked = 0;
    const resolve = async () => [{ address: asked++ === 0 ? GOOD : OTHER }];
    const res = await sendNotice(request(`http://hook.rig.test:${port}/in`), { resolve });
    expect(res).toMatchObject({ status: 200, address: GOOD });
    expect(asked).toBe(1);
    expect(hits).toEqual([{ at: 'good', host: `hook.rig.test:${port}`, url: '/in', body: '{"x":1}' }]);
  });

  it('a redirect is reported, not followed', async () => {
    const redirecting = createServer((_req, res) => res.writeHead(302, { location: `http://${OTHER}:${port}/x` }).end());
    await new Promise<void>((r) => redirecting.listen(0, '127.53.1.3', r));
    try {
      const res = await sendNotice(request(`http://127.53.1.3:${(redirecting.address() as AddressInfo).port}/`));
      expect(res).toMatchObject({ status: 302, location: `http://${OTHER}:${port}/x` });
      expect(hits).toEqual([]);
    } finally {
      await new Promise<void>((r) => redirecting.close(() => r()));
    }
  });

  it('a host name resolving to rigmap itself is refused (nothing sent)', async () => {
    await expect(sendNotice(request(`http://rigself.test:${port}/api/alerts/4/ack`), { self: { host: '0.0.0.0', ports: [port] }, resolve: async () => [{ address: GOOD }] })).rejects.toThrow(/points at rigmap itself/);
    expect(hits).toEqual([]);
  });
});

describe('the dispatcher goes through the same function', () => {
  function dispatcher(opts: { self?: { host: string; ports: number[] }; resolve?: (h: string) => Promise<Array<{ address: string }>> } = {}) {
    const results: Array<{ name: string; r: DeliveryResult }> = [];
    const clock = new FakeClock();
    const d = new AlertDispatcher({ ctx: rig.ctx, clock, self: () => opts.self, resolve: opts.resolve, onResult: (n, _e, r) => results.push({ name: n.name, r }) });
    d.start();
    return { d, results, clock };
  }
  const settle = async (results: unknown[], n: number) => {
    for (let i = 0; i < 200 && results.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('a notifier row from before the guard (http://0.0.0.0:P) gets nothing and is not retried', async () => {
    rig.ctx.db.insert(notifiers).values({ name: 'old', kind: 'webhook', url: `http://0.0.0.0:${port}/`, enabled: true, minSeverity: 'info' }).run();
    const { d, results } = dispatcher();
    new AlertWriter(rig.ctx).raise({ kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost' });
    await settle(results, 1);
    await d.stop(0);
    expect(results).toHaveLength(1);
    expect(results[0]!.r).toMatchObject({ ok: false, attempts: 0, refused: true });
    expect(results[0]!.r.error).toMatch(/not a host/);
    expect(hits).toEqual([]);
  });

  it('a webhook whose name resolves to rigmap itself is refused; one resolving elsewhere is delivered to the checked address', async () => {
    const me = await listen('127.53.1.4', 0, 'me');
    const mePort = (me.address() as AddressInfo).port;
    try {
      addNotifier({ ctx: rig.ctx, input: { name: 'me', kind: 'webhook', url: `http://rigself.test:${mePort}/api/alerts/1/ack` } });
      addNotifier({ ctx: rig.ctx, input: { name: 'hook', kind: 'webhook', url: `http://hook.rig.test:${port}/in` } });
      const { d, results } = dispatcher({
        self: { host: '0.0.0.0', ports: [mePort] },
        resolve: async (h) => [{ address: h === 'rigself.test' ? '127.53.1.4' : OTHER }],
      });
      new AlertWriter(rig.ctx).raise({ kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost' });
      await settle(results, 2);
      await d.stop(0);
      const byName = Object.fromEntries(results.map((x) => [x.name, x.r]));
      expect(byName.me).toMatchObject({ ok: false, refused: true });
      expect(byName.me!.error).toMatch(/points at rigmap itself/);
      expect(byName.hook).toMatchObject({ ok: true, attempts: 1 });
      expect(hits.map((h) => `${h.at} ${h.host}`)).toEqual([`other hook.rig.test:${port}`]);
    } finally {
      await new Promise<void>((r) => me.close(() => r()));
    }
  });

  it('alert.changed (a new folded list) is pushed to Alertmanager again, not to chat webhooks', async () => {
    addNotifier({ ctx: rig.ctx, input: { name: 'am', kind: 'alertmanager', url: `http://${GOOD}:${port}` } });
    addNotifier({ ctx: rig.ctx, input: { name: 'hook', kind: 'webhook', url: `http://${OTHER}:${port}/in` } });
    const { d, results } = dispatcher();
    const w = new AlertWriter(rig.ctx);
    const a = w.raise({ kind: 'device_lost', deviceId: 'cam-a', network: null, severity: 'critical', message: 'Cam A lost', folded: ['x'] });
    await settle(results, 2);
    w.update(a, { folded: ['x', 'y'], message: 'Cam A lost; covers x, y' });
    await settle(results, 3);
    await d.stop(0);
    expect(hits.map((h) => h.at).sort()).toEqual(['good', 'good', 'other']);
    const last = JSON.parse(hits.filter((h) => h.at === 'good').at(-1)!.body) as Array<{ annotations: Record<string, string> }>;
    expect(last[0]!.annotations).toMatchObject({ summary: 'Cam A lost; covers x, y', folded_devices: 'x, y' });
  });
});

describe('rigmap itself under a host name (issue 25 item 6)', () => {
  it('resolvesToSelf compares the resolved addresses', async () => {
    const self = { host: '0.0.0.0', ports: [4747] };
    expect(await resolvesToSelf(self, 'rigself.test', 4747, async () => [{ address: '127.0.0.1' }])).toBe('127.0.0.1');
    expect(await resolvesToSelf(self, 'rigself.test', 4748, async () => [{ address: '127.0.0.1' }])).toBeNull();
    expect(await resolvesToSelf({ host: '192.0.2.10', ports: [4747] }, 'far.test', 4747, async () => [{ address: '192.0.2.11' }])).toBeNull();
    expect(await resolvesToSelf(self, 'nowhere.test', 4747, async () => { throw new Error('ENOTFOUND'); })).toBeNull();
  });

  it('the reach relay refuses a device registered under a name for rigmap\'s own address', async () => {
    createDevice({ ctx: rig.ctx, input: { id: 'loop', name: 'Loop', role: 'camera', addresses: [{ network: 'lan', hostname: 'rigself.test' }], services: [{ name: 'camera-node', protocol: 'http', port }] } });
    const open = openRelay({
      ctx: rig.ctx, deviceId: 'loop', serviceName: 'camera-node', relayPath: '/api/v1/status', query: '', headers: {}, scope: parseProbeScope(''),
      signal: new AbortController().signal, self: { host: GOOD, ports: [port] }, resolve: async () => [{ address: GOOD }],
    });
    await expect(open).rejects.toThrow(/rigmap's own address and port/);
    expect(hits).toEqual([]);
  });
});
