/**
 * A camera that stops answering gets one tailscaled ping of its tailnet address
 * at once, where the Local API is configured (a fake tailscaled on a unix
 * socket): an answer says the phone is alive and on the tailnet (the app is
 * off screen), no answer says it is off or out of range; the sentence is in
 * the device's health. One ping per outage, not one per probe. Nothing here
 * contacts a 100.x address: pings go to the fake tailscaled.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import type { DeviceHealth } from '../../src/topology/health-types.ts';
import { TailscaleLocalClient } from '../../src/topology/tailscale/local-client.ts';
import { settingsFromConfig, TailscaleService } from '../../src/topology/tailscale/service.ts';
import { importFromSource } from '../../src/topology/tailscale/source.ts';
import { eventually } from '../helpers/eventually.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { type FakeLocalApi, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';

const SAFE_ENV = { RIGMAP_PROBES: 'off', RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_LOG_LEVEL: 'silent' };

let rig: TestRig;
let local: FakeLocalApi;
let service: TailscaleService;
let app: ReturnType<typeof buildApp>;
const peer = (host: string) => Object.values<any>(local.status.Peer).find((p) => p.HostName === host);
const pings = () => local.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/localapi/v0/ping?')).map((r) => new URL(r.path, 'http://x').searchParams.get('ip'));
const stopped = (deviceId: string, state: DeviceHealth['state']) =>
  rig.bus.emit('device.state', { deviceId, from: 'up', health: { deviceId, state, protocol: 'blackmagic', paths: [], status: null, lastSeen: null } });
const evidenceOf = async (id: string) => ((await (await app.request(`/api/devices/${id}/health`)).json()) as DeviceHealth).tailnet?.ping?.evidence;

beforeEach(async () => {
  rig = makeTestRig();
  local = await startFakeLocalApi(join(rig.dir, 'tailscaled.sock'));
  Object.assign(peer('vps'), { Active: true, CurAddr: '198.51.100.7:41641' });
  local.pingLatency.set('100.93.0.5', 0.0071);
  await importFromSource({ ctx: rig.ctx, source: { kind: 'local', client: new TailscaleLocalClient({ socketPath: local.socketPath }) } });
  // No periodic pings: every ping seen here is one asked because a camera stopped answering.
  const config = loadConfig({ db: rig.store.path, port: 0, tailscaleSocket: local.socketPath, tailscaleSync: 'off', tailnetPingSec: 0 }, SAFE_ENV);
  service = new TailscaleService({ ctx: () => ({ db: rig.store.db, bus: rig.bus }), settings: settingsFromConfig(config), credentials: null });
  app = buildApp({ db: rig.store.db, bus: rig.bus, config, tailscale: service });
  service.start();
  await service.refreshPaths();
});
afterEach(async () => {
  await service.stop();
  await local.close();
  rig.close();
});

describe('tailscaled ping as evidence when a phone stops answering', () => {
  it('app off screen: tailscaled reaches the phone, so it is alive; one ping per outage', async () => {
    expect(pings()).toEqual([]);
    stopped('vps', 'app_closed');
    const evidence = await eventually('the evidence in the health', () => evidenceOf('vps'));
    expect(evidence).toBe('tailscaled reaches the phone (7.1 ms, direct): the phone is alive and on the tailnet; the camera app is closed or off screen');
    stopped('vps', 'down');
    stopped('vps', 'app_closed');
    await new Promise((r) => setTimeout(r, 200));
    expect(pings()).toEqual(['100.93.0.5']);
    // Back on screen: the sentence goes, and the next outage is asked about again.
    stopped('vps', 'up');
    expect(await evidenceOf('vps')).toBeUndefined();
    stopped('vps', 'app_closed');
    await eventually('asked again', () => pings().length === 2);
  });

  it('silent: tailscaled gets no answer either, so the phone is off or out of range', async () => {
    peer('proxy').TailscaleIPs = []; // the fake tailscaled now knows no peer at its address: an Err answer, as for an unreachable peer
    stopped('proxy', 'down');
    expect(await eventually('the evidence in the health', () => evidenceOf('proxy'))).toBe('tailscaled gets no answer from the phone either (no matching peer): the phone is off, asleep or out of range');
    expect(pings()).toEqual(['100.93.0.4']);
  });

  it('a device back up, or without a tailnet path, is not pinged', async () => {
    stopped('vps', 'up');
    stopped('no-such-device', 'down');
    await new Promise((r) => setTimeout(r, 200));
    expect(pings()).toEqual([]);
  });
});
