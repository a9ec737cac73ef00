/**
 * Phone preview rules on a fake clock, with real ffmpeg, SRT and a simulated
 * phone: stream health says "struggling" only after the cache is above 80 %
 * for 10 s and "reconnecting" after 10 s of Connecting (never an alert); the
 * last viewer gone keeps the stream for the default 30 s and then stops it;
 * a viewer may join a running preview but only an operator starts one; with
 * --phone-preview off no phone is asked.
 * Addresses: phones 127.156.2.0/24 (LAN), 127.156.102.0/24 (tailnet); rigmap's SRT listener 127.156.2.250.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { createPreviewHub, phonePreviewsOf } from '../../src/server/preview.ts';
import type { PreviewHub } from '../../src/topology/preview/hub.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { EventBus } from '../../src/topology/events.ts';
import type { PhonePreviewView } from '../../src/topology/preview/phone/previews.ts';
import { openDb, type OpenDb } from '../../src/topology/store/db.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';
import { frameReader } from './mjpeg-reader.ts';

let sim: SimRig;
let store: OpenDb;
let cleanup: () => void;
let app: ReturnType<typeof buildApp>;
let offApp: ReturnType<typeof buildApp>;
let hub: PreviewHub;
const clock = new FakeClock();
const bearer: Record<string, Record<string, string>> = {};

const live = (id: string) => (sim.describe().find((n) => n.id === id)!.status as { livestream: { status: string; active: { platform: string }; customPlatforms: string[]; cache: number } }).livestream;
const view = async (id: string) => (await (await app.request(`/api/devices/${id}/phone-preview`, { headers: bearer.viewer })).json()) as PhonePreviewView;
const preview = (id: string, role: string) => app.request(`/api/devices/${id}/preview.mjpeg`, { headers: bearer[role] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Move the fake clock on in health-poll steps, letting each poll's real HTTPS request finish. */
async function pollFor(fakeMs: number): Promise<void> {
  for (let t = 0; t < fakeMs; t += 2000) {
    clock.advance(2000);
    await sleep(250);
  }
}

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, extras: false, phones: 2, lanCidr: '127.156.2.0/24', tailnetCidr: '127.156.102.0/24', port: 0 });
  const tmp = makeTempDir('rigmap-phone-health-');
  cleanup = tmp.cleanup;
  store = openDb(join(tmp.dir, 'rigmap.db'));
  const bus = new EventBus();
  const base = { db: store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', auth: 'on', logLevel: 'silent', phonePreviewAddress: '127.156.2.250' };
  const config = loadConfig(base, {});
  hub = createPreviewHub({ db: store.db, bus, config, clock });
  app = buildApp({ db: store.db, bus, config, clock, previewHub: hub });
  offApp = buildApp({ db: store.db, bus, config: loadConfig({ ...base, phonePreview: 'off' }, {}), clock });
  for (const role of ['viewer', 'operator', 'admin']) bearer[role] = { authorization: `Bearer ${createToken({ ctx: { db: store.db, bus, actor: 'test' }, input: { name: `t-${role}`, role } }).secret}` };
  const res = await app.request('/api/import', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer.admin }, body: JSON.stringify(sim.manifest()) });
  expect(res.status).toBe(200);
}, 60_000);

afterAll(async () => {
  hub?.closeAll();
  if (hub) await phonePreviewsOf(hub)?.closeAll();
  await sim?.close();
  store?.close();
  cleanup?.();
});

describe('phone preview rules', () => {
  it('only an operator starts a preview; a viewer may join one; off asks no phone', async () => {
    const refused = await preview('phone-01', 'viewer');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/makes the phone livestream to rigmap .* needs the operator role/);
    const off = await offApp.request('/api/devices/phone-01/preview.mjpeg', { headers: bearer.operator });
    expect(off.status).toBe(403);
    expect(((await off.json()) as { error: { message: string } }).error.message).toMatch(/phone previews are off on this rigmap \(--phone-preview off\)/);
    expect(live('phone-01').status).toBe('Idle');

    const op = frameReader(await preview('phone-01', 'operator'));
    expect((await op.take(1, 15_000)).length).toBe(1);
    const viewer = await preview('phone-01', 'viewer');
    expect(viewer.status).toBe(200);
    const vr = frameReader(viewer);
    expect((await vr.take(1, 15_000)).length).toBe(1);
    await vr.close();
    await op.close();
  }, 60_000);

  it('keeps the stream 30 s after the last viewer left, then stops it', async () => {
    await eventually('hub let go', async () => (await view('phone-01')).outputs === 0, 10_000);
    expect((await view('phone-01')).state).toBe('lingering');
    await sleep(1000);
    expect(live('phone-01').status, 'still streaming before the linger is over').toBe('Streaming');
    clock.advance(29_000);
    await sleep(300);
    expect(live('phone-01').status).toBe('Streaming');
    clock.advance(1500);
    await eventually('stopped and restored', async () => live('phone-01').status === 'Idle' && live('phone-01').customPlatforms.length === 0 && live('phone-01').active.platform === 'YouTube RTMP' && (await view('phone-01')).state === 'stopped', 15_000);
  }, 60_000);

  it('a phone that could not be reached is asked again after the cool-down, and then streams', async () => {
    await sim.applyFault('phone-01', { mode: 'app-closed' });
    const failed = await preview('phone-01', 'operator');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toMatch(/phone-01 did not answer GET \/livestreams\/0/);
    expect((await view('phone-01')).state).toBe('failed');
    await sim.applyFault('phone-01', { mode: 'ok' });
    // Within the cool-down the refusal is answered from memory; after it, the phone is asked again.
    expect((await preview('phone-01', 'operator')).status).toBeGreaterThanOrEqual(500);
    clock.advance(11_000);
    const r = frameReader(await preview('phone-01', 'operator'));
    expect((await r.take(1, 15_000)).length).toBe(1);
    await r.close();
    await eventually('hub let go', async () => (await view('phone-01')).outputs === 0, 10_000);
    clock.advance(31_000);
    await eventually('stopped', async () => (await view('phone-01')).state === 'stopped' && live('phone-01').customPlatforms.length === 0, 15_000);
  }, 60_000);

  it('says "struggling" after 10 s of a full send buffer and "reconnecting" after 10 s of Connecting', async () => {
    const r = frameReader(await preview('phone-02', 'operator'));
    try {
      expect((await r.take(1, 15_000)).length).toBe(1);
      await pollFor(4000);
      expect((await view('phone-02')).health).toMatchObject({ status: 'Streaming', warning: null });
      await sim.applyFault('phone-02', { mode: 'stream-stall' });
      await eventually('cache above 80 % on the phone', async () => live('phone-02').cache > 80, 15_000);
      await pollFor(4000);
      expect((await view('phone-02')).health!.warning, 'not before 10 s').toBeNull();
      await pollFor(8000);
      expect((await view('phone-02')).health!.warning).toMatch(/^stream struggling: the phone's send buffer is \d+ % full$/);
      await sim.applyFault('phone-02', { mode: 'ok' });
      await pollFor(2000);
      expect((await view('phone-02')).health!.warning).toBeNull();

      await sim.applyFault('phone-02', { mode: 'stream-drop' });
      await eventually('phone reconnecting', async () => live('phone-02').status === 'Connecting', 10_000);
      await pollFor(12_000);
      expect((await view('phone-02')).health).toMatchObject({ status: 'Connecting', warning: 'reconnecting: the phone lost its stream to rigmap' });
      const alerts = (await (await app.request('/api/alerts', { headers: bearer.viewer })).json()) as { open: unknown[] };
      expect(alerts.open, 'a preview is a convenience: no alert').toEqual([]);
      await sim.applyFault('phone-02', { mode: 'ok' });
      await eventually('streaming again', async () => live('phone-02').status === 'Streaming', 20_000);
    } finally {
      await r.close();
    }
    await eventually('hub let go', async () => (await view('phone-02')).outputs === 0, 10_000);
    clock.advance(31_000);
    await eventually('stopped and undone', async () => live('phone-02').status === 'Idle' && live('phone-02').customPlatforms.length === 0 && (await view('phone-02')).state === 'stopped', 15_000);
  }, 120_000);
});
