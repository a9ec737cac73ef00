/**
 * The tailnet_relayed rule with an injected clock, on a real SQLite store:
 * relayed (DERP or peer relay) longer than the limit raises one warning,
 * direct again resolves it; idle says nothing; a direct spell restarts the time.
 * The rule hears each refresh from the bus (`tailnet.paths`), as the Tailscale
 * service publishes it; the last case drives the service itself on a FakeClock.
 * Also tailscaled ping answers in the health shape.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/topology/clock.ts';
import { TailnetRelayedAlerts } from '../../src/topology/alerts/tailnet-relayed.ts';
import { listAlerts } from '../../src/topology/alerts/store.ts';
import { createDevice } from '../../src/topology/devices.ts';
import type { TailscalePath } from '../../src/topology/tailscale/path-quality.ts';
import { TailnetHealth } from '../../src/topology/tailscale/tailnet-health.ts';
import { pingFromResult } from '../../src/topology/tailscale/tailnet-ping.ts';
import { TailscaleService } from '../../src/topology/tailscale/service.ts';
import { loadFixture } from '../fixtures/tailscale-fakes.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

let rig: TestRig;
let now: number;
let tailnet: TailnetHealth;
let alerts: TailnetRelayedAlerts;
const events: string[] = [];
beforeEach(() => {
  rig = makeTestRig();
  createDevice({ ctx: rig.ctx, input: { id: 'cam-a', name: 'Cam A', role: 'camera' } });
  now = Date.parse('2026-11-30T20:00:00Z');
  tailnet = new TailnetHealth({ bus: () => rig.bus, clock: { ...systemClock, now: () => now } });
  alerts = new TailnetRelayedAlerts({ ctx: () => rig.ctx, relayedSec: 30, clock: { ...systemClock, now: () => now } });
  alerts.start();
  events.length = 0;
  rig.bus.on('alert.raised', (e) => events.push(`raised ${e.data.alert.kind} ${e.data.alert.deviceId}`));
  rig.bus.on('alert.resolved', (e) => events.push(`resolved ${e.data.alert.kind} ${e.data.alert.deviceId}`));
});
afterEach(() => {
  alerts.stop();
  rig.close();
});

const path = (quality: TailscalePath['quality'], extra: Partial<TailscalePath> = {}): { deviceId: string } & TailscalePath => ({
  deviceId: 'cam-a', nodeId: 'nCAMA', quality, curAddr: quality === 'direct' ? '192.168.1.21:41641' : null, relay: 'waw', peerRelay: null,
  lastWrite: null, rxBytes: 0, txBytes: 0, summary: quality === 'direct' ? 'direct 192.168.1.21:41641' : quality === 'derp' ? 'relay "waw"' : quality, ...extra,
});

/** One refresh at time `t` seconds after the start, published as the Tailscale service does. */
function at(t: number, p: ReturnType<typeof path>): void {
  now = Date.parse('2026-11-30T20:00:00Z') + t * 1000;
  tailnet.observePaths([p]);
  rig.bus.emit('tailnet.paths', { paths: tailnet.all() });
}

describe('tailnet_relayed', () => {
  it('raises after the limit of relayed time, once, and resolves when direct again', () => {
    at(0, path('direct'));
    at(10, path('derp'));
    at(39, path('derp'));
    expect(events).toEqual([]);
    expect(tailnet.get('cam-a')).toMatchObject({ relayed: true, relayedSince: '2026-11-30T20:00:10.000Z' });
    at(40, path('derp'));
    at(70, path('derp'));
    expect(events).toEqual(['raised tailnet_relayed cam-a']);
    const open = listAlerts({ ctx: rig.ctx }).open;
    expect(open).toEqual([expect.objectContaining({ kind: 'tailnet_relayed', network: 'tailscale', severity: 'warning', message: 'Cam A: tailnet path relayed through DERP "waw" for 30 s, not direct; live preview and commands will be slower' })]);
    at(80, path('idle'));
    expect(events).toHaveLength(1);
    expect(tailnet.get('cam-a')).toMatchObject({ relayed: false, relayedSince: null });
    at(90, path('direct'));
    expect(events).toEqual(['raised tailnet_relayed cam-a', 'resolved tailnet_relayed cam-a']);
    expect(listAlerts({ ctx: rig.ctx })).toMatchObject({ open: [], recent: [{ kind: 'tailnet_relayed', message: 'Cam A: tailnet path direct again (direct 192.168.1.21:41641)' }] });
    expect(tailnet.get('cam-a')).toMatchObject({ relayed: false, relayedSince: null });
  });

  it('relayed time before an idle spell does not count once traffic resumes (connections start on DERP)', () => {
    at(0, path('derp'));
    at(25, path('idle'));
    at(100, path('derp'));
    at(120, path('derp'));
    expect(events).toEqual([]);
    at(130, path('derp'));
    expect(events).toEqual(['raised tailnet_relayed cam-a']);
  });

  it('a peer relay counts as relayed; a direct spell restarts the time', () => {
    at(0, path('peer-relay', { peerRelay: '100.93.0.7:40000:vni:3', summary: 'peer-relay 100.93.0.7:40000:vni:3' }));
    at(20, path('direct'));
    at(25, path('peer-relay', { peerRelay: '100.93.0.7:40000:vni:3' }));
    at(54, path('peer-relay', { peerRelay: '100.93.0.7:40000:vni:3' }));
    expect(events).toEqual([]);
    at(55, path('peer-relay', { peerRelay: '100.93.0.7:40000:vni:3' }));
    expect(listAlerts({ ctx: rig.ctx }).open[0]?.message).toContain('through a peer relay (100.93.0.7:40000:vni:3) for 30 s');
  });

  it('publishes tailnet.path when what a crew member sees changes, and keeps the last ping', () => {
    const seen: string[] = [];
    rig.bus.on('tailnet.path', (e) => seen.push(`${e.data.tailnet.quality}/${e.data.tailnet.ping?.rttMs ?? '-'}`));
    at(0, path('direct'));
    at(5, path('direct'));
    tailnet.recordPing('cam-a', pingFromResult({ LatencySeconds: 0.0123, Endpoint: '192.168.1.21:41641' }, new Date(now).toISOString()));
    at(10, path('derp'));
    expect(seen).toEqual(['direct/-', 'direct/12.3', 'derp/12.3']);
    tailnet.observePaths([]);
    expect(tailnet.get('cam-a')).toBeNull();
  });

  it('a stopped rule hears nothing', () => {
    alerts.stop();
    at(0, path('derp'));
    at(60, path('derp'));
    expect(events).toEqual([]);
  });
});

describe('tailnet_relayed through the Tailscale service and the bus, on a FakeClock', () => {
  it('a peer relayed for longer than relayedSec, refresh after refresh, raises exactly one alert; direct again resolves it', async () => {
    const clock = new FakeClock(Date.parse('2026-11-30T20:00:00Z'));
    const service = new TailscaleService({
      ctx: () => rig.ctx, credentials: null, clock,
      settings: { sync: 'off', apiBase: '', tailnet: '-', socket: '', syncIntervalSec: 300, roleMap: {}, relayedSec: 20, pingSec: 0 },
    });
    const seen: number[] = [];
    rig.bus.on('tailnet.paths', (e) => seen.push(e.data.paths.length));
    service.start();
    const status = loadFixture('localapi/status.real-v1.94.2.json');
    const vps = Object.values<any>(status.Peer).find((p) => p.HostName === 'vps');
    /** One refresh from tailscaled (here a status upload) `sec` seconds on; the peer's path as given. */
    const refresh = async (sec: number, curAddr: string) => {
      clock.advance(sec * 1000);
      Object.assign(vps, { Active: true, CurAddr: curAddr, Relay: 'waw' });
      await service.importNow({ ctx: rig.ctx, req: { source: 'status-file', status } });
    };
    await refresh(0, '198.51.100.7:41641');
    for (let i = 0; i < 4; i++) await refresh(5, '');
    expect(events).toEqual([]);
    expect(service.getTailnetHealth('vps')).toMatchObject({ quality: 'derp', relayed: true, relayedSince: '2026-11-30T20:00:05.000Z' });
    await refresh(5, '');
    expect(events).toEqual(['raised tailnet_relayed vps']);
    expect(listAlerts({ ctx: rig.ctx }).open).toEqual([expect.objectContaining({ kind: 'tailnet_relayed', deviceId: 'vps', message: expect.stringContaining('relayed through DERP "waw" for 20 s') })]);
    for (let i = 0; i < 6; i++) await refresh(5, '');
    expect(events).toEqual(['raised tailnet_relayed vps']);
    await refresh(5, '198.51.100.7:41641');
    expect(events).toEqual(['raised tailnet_relayed vps', 'resolved tailnet_relayed vps']);
    expect(seen.length).toBe(13);
    expect(seen.every((n) => n > 0)).toBe(true);
    await service.stop();
    await refresh(60, '');
    await refresh(60, '');
    expect(events).toHaveLength(2);
  });
});

describe('tailscaled ping answers', () => {
  it('direct, DERP, peer relay and failure', () => {
    const t = '2026-11-30T20:00:00.000Z';
    expect(pingFromResult({ LatencySeconds: 0.004567, Endpoint: '192.168.1.21:41641' }, t)).toEqual({ rttMs: 4.57, via: 'direct', endpoint: '192.168.1.21:41641', at: t, error: null });
    expect(pingFromResult({ LatencySeconds: 0.081, DERPRegionID: 13, DERPRegionCode: 'waw' }, t)).toMatchObject({ rttMs: 81, via: 'derp', endpoint: 'waw' });
    expect(pingFromResult({ LatencySeconds: 0.02, PeerRelay: '100.93.0.7:40000:vni:3' }, t)).toMatchObject({ via: 'peer-relay' });
    expect(pingFromResult({ Err: 'timeout waiting for ping reply', LatencySeconds: 0 }, t)).toEqual({ rttMs: null, via: null, endpoint: null, at: t, error: 'timeout waiting for ping reply' });
  });
});
