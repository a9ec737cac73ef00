/**
 * tailnet_relayed end to end: a running Tailscale service against a fake
 * tailscaled (unix socket) whose status flips a peer between a direct path
 * (CurAddr set) and DERP only. The warning is raised after the limit and
 * resolved when direct again; the device health JSON carries the path, the
 * relayed time and tailscaled's ping. Nothing here contacts a 100.x address:
 * pings go to the fake tailscaled.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { listAlerts } from '../../src/topology/alerts/store.ts';
import { TailscaleLocalClient } from '../../src/topology/tailscale/local-client.ts';
import { settingsFromConfig, TailscaleService } from '../../src/topology/tailscale/service.ts';
import { importFromSource } from '../../src/topology/tailscale/source.ts';
import { eventually } from '../helpers/eventually.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { type FakeLocalApi, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';

const SAFE_ENV = { RIGMAP_PROBES: 'off', RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_LOG_LEVEL: 'silent' };

let rig: TestRig;
let local: FakeLocalApi;
let service: TailscaleService | null = null;
beforeEach(async () => {
  rig = makeTestRig();
  local = await startFakeLocalApi(join(rig.dir, 'tailscaled.sock'));
});
afterEach(async () => {
  await service?.stop();
  service = null;
  await local.close();
  rig.close();
});

describe('tailnet_relayed against a fake tailscaled', () => {
  it('raises when a peer falls back to DERP for longer than the limit, resolves when direct again; health shows path and ping', async () => {
    const raised: string[] = [];
    rig.bus.on('alert.raised', (e) => raised.push(e.data.alert.kind));
    const vps = Object.values<any>(local.status.Peer).find((p) => p.HostName === 'vps');
    Object.assign(vps, { Active: true, CurAddr: '198.51.100.7:41641', Relay: 'waw' });
    local.pingLatency.set(vps.TailscaleIPs[0], 0.0071);
    await importFromSource({ ctx: rig.ctx, source: { kind: 'local', client: new TailscaleLocalClient({ socketPath: local.socketPath }) } });

    const config = loadConfig({ db: rig.store.path, port: 0, tailscaleSocket: local.socketPath, tailscaleSync: 'off', tailnetRelayedSec: 1, tailnetPingSec: 1 }, SAFE_ENV);
    service = new TailscaleService({ ctx: () => ({ db: rig.store.db, bus: rig.bus }), settings: settingsFromConfig(config), credentials: null });
    const app = buildApp({ db: rig.store.db, bus: rig.bus, config, tailscale: service });
    const health = async () => (await app.request('/api/devices/vps/health')).json();
    service.start();

    const direct = await eventually('a direct path with a ping', async () => {
      const h = await health();
      return h.tailnet?.ping?.via === 'direct' && h.tailnet;
    });
    expect(direct).toMatchObject({ quality: 'direct', relayed: false, relayedSince: null, curAddr: '198.51.100.7:41641', ping: { rttMs: 7.1, via: 'direct', endpoint: '198.51.100.7:41641', error: null } });
    expect(local.requests.some((r) => r.method === 'POST' && r.path.startsWith('/localapi/v0/ping?ip='))).toBe(true);

    // The direct path breaks: tailscaled now reaches the peer through DERP only.
    vps.CurAddr = '';
    const open = await eventually('a tailnet_relayed alert', () => listAlerts({ ctx: rig.ctx }).open.find((a) => a.kind === 'tailnet_relayed'));
    expect(open).toMatchObject({ deviceId: 'vps', network: 'tailscale', severity: 'warning', message: expect.stringContaining('relayed through DERP "waw"') });
    const relayed = await eventually('the relayed path and a DERP ping in the health JSON', async () => {
      const h = await health();
      return h.tailnet?.ping?.via === 'derp' && h.tailnet;
    });
    expect(relayed).toMatchObject({ quality: 'derp', relayed: true, relayedSince: expect.any(String), relay: 'waw', ping: { endpoint: 'waw' } });
    const paths = await (await app.request('/api/tailscale/paths')).json();
    expect(paths.paths.find((p: { deviceId: string }) => p.deviceId === 'vps')).toMatchObject({ tailnet: { relayed: true } });

    vps.CurAddr = '198.51.100.7:41641';
    const resolved = await eventually('the alert resolved', () => listAlerts({ ctx: rig.ctx }).recent.find((a) => a.kind === 'tailnet_relayed' && a.id === open.id));
    expect(resolved.message).toContain('direct again');
    expect(listAlerts({ ctx: rig.ctx }).open.filter((a) => a.kind === 'tailnet_relayed')).toEqual([]);
    expect(raised.filter((k) => k === 'tailnet_relayed')).toHaveLength(1);
  }, 60_000);
});
