/**
 * iPhones running Blackmagic Camera, over real HTTPS against simulated phones
 * (`rigmap sim --phones`): probed up with their readings; the app off screen
 * (port refused) raises app_closed, never device_lost, and resolves when the
 * app is back; a video format change (a few seconds silent) raises nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { type RunningServer, startServer } from '../../src/server/main.ts';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import type { Alert, DeviceHealth } from '../../src/topology/health-types.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';

// Test addresses: 127.52.2.0/24 (LAN-like), 127.152.2.0/24 (tailnet-like).
let sim: SimRig;
let server: RunningServer;
let cleanup: () => void;
const get = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;
const health = (id: string) => get<DeviceHealth>(`/api/devices/${id}/health`);
const openAlerts = async () => (await get<{ open: Alert[] }>('/api/alerts')).open;

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, extras: false, phones: 2, lanCidr: '127.52.2.0/24', tailnetCidr: '127.152.2.0/24', port: 0 });
  const tmp = makeTempDir('rigmap-phones-');
  cleanup = tmp.cleanup;
  server = await startServer(loadConfig({
    db: `${tmp.dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 400,
    alertHoldMs: 300, alertSettleMs: 600, neverSeenAfterSec: 0, tailscaleSync: 'off', tailnetCidrs: '127.152.2.0/24',
    // Bonjour browsing off: another file's advertised rig (`rigmap sim --advertise`: cam-01 …) would be matched by id and its addresses added to this map.
    bonjour: false,
  }, {}));
  const res = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
  expect(res.status).toBe(200);
  await eventually('both phones up with a status', async () => {
    for (const id of ['phone-01', 'phone-02']) {
      const d = await health(id);
      if (d.state !== 'up' || !d.status?.product) return false;
    }
    return true;
  }, 60_000);
}, 90_000);
afterAll(async () => {
  await server?.close();
  await sim?.close();
  cleanup?.();
});

describe('iPhones running Blackmagic Camera', () => {
  it('probes a phone up over HTTPS on 4444 with what it says', async () => {
    const d = await health('phone-01');
    expect(d.protocol).toBe('blackmagic');
    expect(d.paths.map((p) => [p.network, p.port, p.state])).toEqual([['lan', 4444, 'up'], ['tailscale', 4444, 'up']]);
    expect(d.status?.product).toEqual({ deviceName: 'A', productName: 'iPhone 17 Pro', softwareVersion: '3.5.100017' });
    expect(d.status?.battery.percent).toEqual(expect.any(Number));
  });

  it('the app off screen raises app_closed (warning), no device_lost; back on screen resolves it', async () => {
    await sim.applyFault('phone-02', { mode: 'app-closed' });
    const alert = await eventually('app_closed raised', async () => (await openAlerts()).find((a) => a.deviceId === 'phone-02' && a.kind === 'app_closed'), 30_000);
    expect(alert.severity).toBe('warning');
    expect(alert.message).toBe('Cam B: Blackmagic Camera is not on screen (phone locked or app in background); the phone answers');
    expect((await health('phone-02')).state).toBe('app_closed');
    expect((await openAlerts()).filter((a) => a.deviceId === 'phone-02' && a.kind !== 'app_closed')).toEqual([]);
    await sim.applyFault('phone-02', { mode: 'ok' });
    await eventually('app_closed resolved', async () => !(await openAlerts()).some((a) => a.deviceId === 'phone-02'), 30_000);
    expect((await health('phone-02')).state).toBe('up');
  }, 90_000);

  it('a video format change (a few seconds silent) raises nothing', async () => {
    await sim.applyFault('phone-01', { mode: 'format-change', ms: 2500 });
    const seen: Alert[] = [];
    // Watch through the silence and well past it (hold + settle), then check nothing was raised.
    await eventually('the silence over and the phone answering', async () => {
      seen.push(...(await openAlerts()).filter((a) => a.deviceId === 'phone-01'));
      const node = sim.describe().find((n) => n.id === 'phone-01')!;
      return node.fault.mode === 'ok' && (await health('phone-01')).state === 'up';
    }, 30_000);
    for (let i = 0; i < 5; i++) seen.push(...(await openAlerts()).filter((a) => a.deviceId === 'phone-01'));
    expect(seen.map((a) => `${a.kind}: ${a.message}`)).toEqual([]);
    const all = await get<{ open: Alert[]; recent?: Alert[] }>('/api/alerts');
    expect([...(all.recent ?? [])].filter((a) => a.deviceId === 'phone-01')).toEqual([]);
  }, 60_000);
});
