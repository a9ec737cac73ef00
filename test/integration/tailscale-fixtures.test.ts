/**
 * Every kept Tailscale answer (test/fixtures/tailscale, sources in SOURCES.md),
 * served by the fake API on 127.0.0.1 or read as a saved status: each imports,
 * re-imports without a change, keeps MagicDNS names without the trailing dot,
 * and one broken device in a list is skipped with a reason while the rest import.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDevices } from '../../src/topology/devices.ts';
import { TailscaleApiClient } from '../../src/topology/tailscale/api-client.ts';
import { listTailscaleDevices } from '../../src/topology/tailscale/import.ts';
import { TailscaleLocalClient } from '../../src/topology/tailscale/local-client.ts';
import { importFromSource } from '../../src/topology/tailscale/source.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { type FakeApi, loadFixture, startFakeApi, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';

let rig: TestRig;
let api: FakeApi;
beforeEach(async () => {
  rig = makeTestRig();
  api = await startFakeApi();
});
afterEach(async () => {
  await api.close();
  rig.close();
});

const API_FIXTURES: Array<{ file: string; list: () => { devices: unknown[] }; imported: number; skipped: number }> = [
  { file: 'api-v2/devices-list.tailscale-client-go-v2.json', list: () => loadFixture('api-v2/devices-list.tailscale-client-go-v2.json'), imported: 2, skipped: 1 },
  { file: 'api-v2/devices-list.tailscale-client-go-v2-d76d6ba.json', list: () => loadFixture('api-v2/devices-list.tailscale-client-go-v2-d76d6ba.json'), imported: 2, skipped: 0 },
  { file: 'api-v2/device.fields-all.publicapi-doc.json', list: () => ({ devices: [loadFixture('api-v2/device.fields-all.publicapi-doc.json')] }), imported: 1, skipped: 0 },
  { file: 'api-v2/devices-list.openapi-device-example.json', list: () => loadFixture('api-v2/devices-list.openapi-device-example.json'), imported: 1, skipped: 0 },
  { file: 'api-v2/devices-list.api-doc-2022.json', list: () => loadFixture('api-v2/devices-list.api-doc-2022.json'), imported: 2, skipped: 0 },
  // This vintage lists id "12345" twice: the second is reported, as any repeated id is.
  { file: 'api-v2/devices-list.api-doc-late-2022-default-fields.json', list: () => loadFixture('api-v2/devices-list.api-doc-late-2022-default-fields.json'), imported: 1, skipped: 1 },
];

const importApi = () => importFromSource({ ctx: rig.ctx, source: { kind: 'api', client: new TailscaleApiClient({ apiBase: api.url, credentials: { apiKey: api.apiKey } }) } });

function expectNoTrailingDots(): void {
  const names = listDevices({ ctx: rig.ctx }).flatMap((d) => d.addresses.map((a) => a.hostname)).filter((h): h is string => Boolean(h));
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) expect(name.endsWith('.'), name).toBe(false);
}

describe('every kept Tailscale API answer imports', () => {
  for (const fx of API_FIXTURES) {
    it(`${fx.file}: imports, re-imports idempotently, MagicDNS without the trailing dot`, async () => {
      api.devices = fx.list();
      const first = await importApi();
      expect(first.added).toHaveLength(fx.imported);
      expect(first.skipped).toHaveLength(fx.skipped);
      expectNoTrailingDots();
      const snapshot = listDevices({ ctx: rig.ctx });
      const again = await importApi();
      expect(again.added).toEqual([]);
      expect(again.changed).toEqual([]);
      expect(again.unchanged).toHaveLength(fx.imported);
      expect(listDevices({ ctx: rig.ctx })).toEqual(snapshot);
    });
  }

  it('reads the late-2022 docs example: id without nodeId, lastSeen with a -05:00 offset', async () => {
    api.devices = loadFixture('api-v2/devices-list.api-doc-2022.json');
    const report = await importApi();
    expect(report.added.map((a) => [a.id, a.nodeId])).toEqual([['user1-device', '12345'], ['user2-device', '48810']]);
    const ts = new Map(listTailscaleDevices(rig.store.db).map((d) => [d.id, d]));
    // 17:20:04 at -05:00 is 22:20:04 UTC: stored in UTC so times compare as strings.
    expect(ts.get('user1-device')).toMatchObject({ nodeId: '12345', lastSeen: '2020-11-30T22:20:04.000Z' });
    const dev = listDevices({ ctx: rig.ctx }).find((d) => d.id === 'user1-device')!;
    expect(dev.addresses.map((a) => [a.network, a.ip, a.hostname])).toEqual([['tailscale', '100.68.203.125', 'user1-device.example.com']]);
  });

  it('skips a broken device with a reason and imports the rest; ignores unknown and ill-typed fields', async () => {
    const list = loadFixture('api-v2/devices-list.api-doc-2022.json');
    list.devices.push(
      { hostname: 'no-id-at-all', addresses: ['100.64.9.9'] },
      'not a device',
      { id: '777', hostname: 'odd-fields', addresses: ['100.64.7.7'], tags: 'tag:camera', lastSeen: 'yesterday', futureField: { deep: [1, 2] } },
    );
    api.devices = list;
    const report = await importApi();
    expect(report.added.map((a) => a.id)).toEqual(['user1-device', 'user2-device', 'odd-fields']);
    expect(report.skipped).toEqual([
      { nodeId: '', hostname: 'no-id-at-all', reason: expect.stringContaining('neither nodeId nor id') },
      { nodeId: '', hostname: '', reason: 'device #4 in the list is not a JSON object' },
    ]);
    const odd = listTailscaleDevices(rig.store.db).find((d) => d.id === 'odd-fields');
    expect(odd).toMatchObject({ nodeId: '777', lastSeen: null });
  });

  it('refuses an answer that is no device list at all, writing nothing', async () => {
    api.devices = { nodes: [] } as never;
    await expect(importApi()).rejects.toMatchObject({ code: 'upstream_failed', message: expect.stringContaining('not a device list') });
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });
});

describe('the real tailscale status --json', () => {
  it('imports, re-imports idempotently, MagicDNS without the trailing dot', async () => {
    const status = loadFixture('localapi/status.real-v1.94.2.json');
    const first = await importFromSource({ ctx: rig.ctx, source: { kind: 'status-file', json: status } });
    expect(first.added).toHaveLength(15);
    expect(first.skipped).toEqual([]);
    expectNoTrailingDots();
    const again = await importFromSource({ ctx: rig.ctx, source: { kind: 'status-file', json: loadFixture('localapi/status.real-v1.94.2.json') } });
    expect([again.added, again.changed, again.unchanged.length]).toEqual([[], [], 15]);
  });
});

describe('caps on what Tailscale answers', () => {
  it('the API: no redirect followed, no answer larger than the cap', async () => {
    api.failures.push({ status: 302, message: 'moved', headers: { location: 'http://127.0.0.1:9/elsewhere' } });
    await expect(importApi()).rejects.toMatchObject({ code: 'upstream_failed', message: expect.stringContaining('follows no redirects') });
    expect(api.requests.filter((r) => r.path.includes('elsewhere'))).toEqual([]);
    const small = new TailscaleApiClient({ apiBase: api.url, credentials: { apiKey: api.apiKey }, maxBytes: 500 });
    await expect(small.listDevices()).rejects.toMatchObject({ message: expect.stringContaining('more than 500 bytes') });
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });

  it('the Local API: no answer larger than the cap', async () => {
    const local = await startFakeLocalApi(join(rig.dir, 'tailscaled.sock'));
    try {
      await expect(new TailscaleLocalClient({ socketPath: local.socketPath, maxBytes: 1000 }).status()).rejects.toMatchObject({ message: expect.stringContaining('more than 1000 bytes') });
      await expect(new TailscaleLocalClient({ socketPath: local.socketPath }).status()).resolves.toMatchObject({ Version: expect.any(String) });
    } finally {
      await local.close();
    }
  });
});
