/**
 * Headscale as the tailnet's control server, against a fake Headscale on
 * 127.0.0.1: import (tags → roles, MagicDNS from givenName + base domain,
 * idempotent by node id), a wrong key named clearly and never echoed, caps on
 * size, time and redirects, the periodic sync, REST and the CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { getDevice, listDevices } from '../../src/topology/devices.ts';
import { HeadscaleClient } from '../../src/topology/tailscale/headscale.ts';
import { listTailscaleDevices } from '../../src/topology/tailscale/import.ts';
import { settingsFromConfig, TailscaleService } from '../../src/topology/tailscale/service.ts';
import { importFromSource } from '../../src/topology/tailscale/source.ts';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';
import { runRigmap } from '../helpers/cli.ts';
import { type FakeHeadscale, startFakeHeadscale } from '../fixtures/headscale-fake.ts';

const SAFE_ENV = { RIGMAP_PROBES: 'off', RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_LOG_LEVEL: 'silent' };

let rig: TestRig;
let hs: FakeHeadscale;
const extra: Server[] = [];
beforeEach(async () => {
  rig = makeTestRig();
  hs = await startFakeHeadscale();
});
afterEach(async () => {
  await hs.close();
  for (const s of extra.splice(0)) {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  }
  rig.close();
});

const client = (opts: Partial<ConstructorParameters<typeof HeadscaleClient>[0]> = {}) =>
  new HeadscaleClient({ apiBase: hs.url, apiKey: hs.apiKey, baseDomain: 'rig.example.net', ...opts });
const importHs = (c = client()) => importFromSource({ ctx: rig.ctx, source: { kind: 'headscale', client: c } });

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  extra.push(s);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('Headscale import', () => {
  it('maps nodes like a Tailscale import and re-imports idempotently', async () => {
    const report = await importHs();
    expect(hs.requests[0]).toEqual({ path: '/api/v1/node', authorization: `Bearer ${hs.apiKey}` });
    expect(report.source).toBe('headscale');
    expect(report.added.map((a) => [a.id, a.nodeId, a.role])).toEqual([['cam-a-iphone', '1', 'camera'], ['ops-macbook', '2', 'console'], ['relay-pi', '7', 'relay']]);
    const cam = getDevice({ ctx: rig.ctx, id: 'cam-a-iphone' });
    expect(cam).toMatchObject({ tags: ['tag:camera'], tailscaleNodeId: '1' });
    expect(cam.addresses.map((a) => [a.network, a.ip, a.hostname])).toEqual([
      ['tailscale', '100.64.0.1', 'cam-a.rig.example.net'],
      ['tailscale', 'fd7a:115c:a1e0::1', null],
    ]);
    const ts = new Map(listTailscaleDevices(rig.store.db).map((d) => [d.id, d]));
    expect(ts.get('cam-a-iphone')).toMatchObject({ online: true, lastSeen: '2025-03-02T10:11:12.345678901Z' });
    expect(ts.get('ops-macbook')).toMatchObject({ online: false, lastSeen: '2025-03-02T10:00:00.000Z' });
    for (const d of listDevices({ ctx: rig.ctx })) for (const a of d.addresses) expect(a.hostname?.endsWith('.') ?? false).toBe(false);

    const snapshot = listDevices({ ctx: rig.ctx });
    const again = await importHs();
    expect([again.added, again.changed, again.unchanged.length]).toEqual([[], [], 3]);
    expect(listDevices({ ctx: rig.ctx })).toEqual(snapshot);

    // A renamed node is the same device (matched by node id), not a new one.
    (hs.body as any).nodes[2].givenName = 'relay-2';
    const renamed = await importHs();
    expect(renamed.added).toEqual([]);
    expect(renamed.changed).toEqual([expect.objectContaining({ id: 'relay-pi', matchedBy: 'nodeId' })]);
  });

  it('without a base domain imports without MagicDNS names; a node it cannot map is skipped with the reason', async () => {
    (hs.body as any).nodes.push({ name: 'ghost', ipAddresses: ['100.64.0.9'] }, 42);
    const report = await importHs(client({ baseDomain: '' }));
    expect(report.added).toHaveLength(3);
    expect(report.skipped).toEqual([
      { nodeId: '', hostname: 'ghost', reason: expect.stringContaining('no id') },
      { nodeId: '', hostname: '', reason: 'node #5 in the list is not a JSON object' },
    ]);
    expect(listDevices({ ctx: rig.ctx }).flatMap((d) => d.addresses.map((a) => a.hostname))).toEqual([null, null, null, null, null]);
  });

  it('names a wrong key clearly (401) and never echoes it', async () => {
    const secret = 'hskey-api-WRONG-5555';
    const err: any = await importHs(client({ apiKey: secret })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('refused the API key (HTTP 401)') });
    expect(err.message).toContain('headscale apikeys create');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(secret);
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });

  it('caps answers: no redirect followed, no more than maxBytes, no longer than the time limit', async () => {
    const elsewhere: string[] = [];
    const target = await listen((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end('{"nodes":[]}');
    });
    const redirector = await listen((_req, res) => {
      res.writeHead(302, { location: `${target}/api/v1/node` });
      res.end();
    });
    await expect(importHs(client({ apiBase: redirector }))).rejects.toMatchObject({ code: 'upstream_failed', message: expect.stringContaining('follows no redirects') });
    expect(elsewhere).toEqual([]);

    await expect(importHs(client({ maxBytes: 1000 }))).rejects.toMatchObject({ message: expect.stringContaining('more than 1000 bytes') });

    const silent = await listen(() => undefined);
    await expect(importHs(client({ apiBase: silent, timeoutMs: 300 }))).rejects.toMatchObject({ code: 'upstream_failed', message: expect.stringContaining('no answer within 0.3 s') });
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });
});

/**
 * Headscale's own golden API outputs (test/fixtures/headscale, see SOURCES.md
 * there): each file is `{status, body}` and the fake answers `body` verbatim.
 */
describe('Headscale published outputs', () => {
  const dir = join(import.meta.dirname, '../fixtures/headscale');
  const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  it('has the published fixtures', () => {
    expect(fixtures).toEqual(['node-get-tagged.json', 'node-list-all.json', 'node-list-empty.json', 'node-list-filter-by-user.json']);
  });

  it.each(fixtures)('%s: imports, re-imports idempotently, MagicDNS names without a trailing dot', async (file) => {
    const golden = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { status: number; body: { nodes?: Array<Record<string, unknown>>; node?: Record<string, unknown> } };
    expect(golden.status).toBe(200);
    // A single-node golden (GET /api/v1/node/{id}) is served as a one-node list; listing goldens as they are.
    hs.body = golden.body.node ? { nodes: [golden.body.node] } : golden.body;
    const nodes = (hs.body as { nodes: Array<Record<string, unknown>> }).nodes;

    const report = await importHs();
    expect(report.skipped).toEqual([]);
    expect(report.added.map((a) => a.nodeId)).toEqual(nodes.map((n) => n.id));
    const devices = listDevices({ ctx: rig.ctx });
    expect(devices).toHaveLength(nodes.length);
    for (const n of nodes) {
      const d = devices.find((x) => x.tailscaleNodeId === n.id);
      expect(d?.addresses.map((a) => a.hostname)).toEqual([`${n.givenName}.rig.example.net`]);
      expect(d?.tags).toEqual(n.tags);
    }
    for (const d of devices) for (const a of d.addresses) expect(a.hostname?.endsWith('.') ?? false).toBe(false);
    // The goldens neutralise timestamps to "<timestamp>": read as unknown, not as a time.
    for (const t of listTailscaleDevices(rig.store.db)) expect(t).toMatchObject({ online: false, lastSeen: null });

    const again = await importHs();
    expect([again.added, again.changed, again.unchanged.length, again.skipped]).toEqual([[], [], nodes.length, []]);
    expect(listDevices({ ctx: rig.ctx })).toEqual(devices);
  });
});

describe('Headscale sync and REST', () => {
  function service(sync: 'off' | 'headscale', key = hs.apiKey) {
    const config = loadConfig({ db: rig.store.path, port: 0, tailscaleSync: sync, headscaleApiBase: hs.url, headscaleBaseDomain: 'rig.example.net' }, SAFE_ENV);
    const tailscale = new TailscaleService({ ctx: () => ({ db: rig.store.db, bus: rig.bus }), settings: settingsFromConfig(config), credentials: null, headscaleKey: key });
    return { config, tailscale };
  }

  it('RIGMAP_TAILSCALE_SYNC=headscale imports at start', async () => {
    const { tailscale } = service('headscale');
    tailscale.start();
    try {
      for (let i = 0; i < 200 && !tailscale.sync?.status().lastOkAt; i++) await new Promise((r) => setTimeout(r, 25));
      expect(tailscale.sync?.status()).toMatchObject({ source: 'headscale', state: 'ok' });
      expect(listDevices({ ctx: rig.ctx }).map((d) => d.id)).toEqual(['cam-a-iphone', 'ops-macbook', 'relay-pi']);
      expect(tailscale.status().headscale).toEqual({ configured: true, apiBase: hs.url, baseDomain: 'rig.example.net' });
      expect(JSON.stringify(tailscale.status())).not.toContain(hs.apiKey);
    } finally {
      await tailscale.stop();
    }
  });

  it('POST /api/tailscale/import {source: headscale}; a wrong key answers 401 without the key', async () => {
    const { config, tailscale } = service('off');
    const app = buildApp({ db: rig.store.db, bus: rig.bus, config, tailscale });
    const ok = await app.request('/api/tailscale/import', jsonInit('POST', { source: 'headscale' }));
    expect(ok.status).toBe(200);
    expect((await ok.json()).added).toHaveLength(3);
    const bad = service('off', 'hskey-api-WRONG-7777');
    const badApp = buildApp({ db: rig.store.db, bus: rig.bus, config: bad.config, tailscale: bad.tailscale });
    const refused = await badApp.request('/api/tailscale/import', jsonInit('POST', { source: 'headscale' }));
    const text = await refused.text();
    expect(refused.status).toBe(401);
    expect(text).toContain('Headscale');
    expect(text).not.toContain('hskey-api-WRONG-7777');
  });
});

describe('rigmap tailscale import --headscale (CLI)', () => {
  it('imports with the key from the environment; a wrong key exits 1 naming 401, never printing the key', async () => {
    const db = join(rig.dir, 'cli.db');
    const args = ['tailscale', 'import', '--headscale', '--api-base', hs.url, '--headscale-base-domain', 'rig.example.net', '--db', db];
    const good = await runRigmap(args, { ...SAFE_ENV, RIGMAP_HEADSCALE_API_KEY: hs.apiKey });
    expect(good.stderr).toBe('');
    expect(good.stdout).toContain('imported from headscale: 3 added');
    const bad = await runRigmap(args, { ...SAFE_ENV, RIGMAP_HEADSCALE_API_KEY: 'hskey-api-WRONG-9999' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('[unauthorized]');
    expect(bad.stderr).toContain('HTTP 401');
    expect(bad.stdout + bad.stderr).not.toContain('hskey-api-WRONG-9999');
    expect(good.stdout + good.stderr).not.toContain(hs.apiKey);
  }, 120_000);
});
