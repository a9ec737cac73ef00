/**
 * Rig-wide settings against one camera, on the fake clock. The read-back: a camera that shows a
 * value a moment after it took it is asked again every 400 ms (clock time, not
 * wall time) and reported applied; one that never shows it is asked until the
 * 3 s window closes and reported not confirmed in crew words; one that stops
 * answering is cut off by the per-camera deadline on the same clock. The camera
 * is a real HTTP server speaking the camera-node settings contract (v1.2) whose
 * lag the test sets; nothing is left pending on the clock afterwards.
 * The read before: with the camera's live look (its health) and its supported
 * lists cached from an earlier change, nothing is read before writing, and the
 * values are still checked; a reconnect or another format reads it again.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ctx } from '../../src/topology/context.ts';
import type { DeviceHealth, NodeStatus } from '../../src/topology/health-types.ts';
import { EventBus } from '../../src/topology/events.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import { applySettings, READ_BACK_WINDOW_MS } from '../../src/topology/look/apply-settings.ts';
import { SupportedCache } from '../../src/topology/look/first-read.ts';
import type { SettingsReport } from '../../src/topology/look/settings-types.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

// Test address: 127.65.32.1 (this file's own).
const HOST = '127.65.32.1';
const RETRY_MS = 400;

/** The camera: its ISO, the ISO it was sent, and how it answers read-backs. */
interface Camera {
  iso: number;
  sent: number | null;
  /** Read-backs after a write that still show the old value (Infinity: never takes it). */
  lagReads: number;
  /** Hold read-backs unanswered (a camera that went quiet after the write). */
  silent: boolean;
  /** Clock time of every read after the first write. */
  readBacks: number[];
  /** Every request's method, in order. */
  log: string[];
}

let tmp: ReturnType<typeof makeTempDir>;
let store: ReturnType<typeof openDb>;
let ctx: Ctx;
let clock: FakeClock;
let server: Server;
let cam: Camera;
let port: number;
const held: ServerResponse[] = [];

const lookOf = () => ({ format: { width: 1920, height: 1080, frameRate: 60 }, iso: cam.iso, shutterSpeed: 50, whiteBalance: 5600, whiteBalanceTint: 0, autoExposure: 'Off', focusMode: 'Manual', notOffered: [] });

function body(): string {
  return JSON.stringify({
    look: lookOf(),
    supported: { videoFormats: ['1920x1080p60'], isos: [200, 400, 800, 1600], shutterSpeeds: [50, 60], whiteBalance: { min: 2500, max: 10000 }, whiteBalanceTint: { min: -50, max: 50 } },
  });
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    cam.log.push(req.method!);
    if (req.url !== '/api/v1/settings') return void res.writeHead(404).end();
    if (req.method === 'PATCH') {
      cam.sent = Number((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { iso: number }).iso);
      return void res.writeHead(204).end();
    }
    if (cam.sent !== null) {
      cam.readBacks.push(clock.now());
      if (cam.silent) return void held.push(res);
      if (cam.readBacks.length > cam.lagReads) cam.iso = cam.sent;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body());
  });
}

/** Wait (by turns of the event loop, never by time) until `cond` holds. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200_000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** Move the fake clock on retry by retry, each time once the code under test is waiting on it, until the apply is done. */
async function driveUntilDone(p: Promise<SettingsReport>): Promise<SettingsReport> {
  let result: SettingsReport | null = null;
  void p.then((r) => (result = r));
  for (let step = 0; step < 100 && !result; step++) {
    // The deadline's timer is always pending; a second one is the retry's (or, when the camera is silent, nothing more comes).
    await until('the next timer or the result', () => result !== null || clock.pending >= 2 || (cam.silent && cam.readBacks.length > 0));
    if (result) break;
    await clock.advanceAsync(cam.silent ? 250 : RETRY_MS);
  }
  if (!result) throw new Error('the apply never finished');
  return result;
}

beforeEach(async () => {
  tmp = makeTempDir('rigmap-read-back-');
  store = openDb(join(tmp.dir, 'rigmap.db'));
  ctx = { db: store.db, bus: new EventBus(), actor: 'test' };
  clock = new FakeClock();
  cam = { iso: 400, sent: null, lagReads: 0, silent: false, readBacks: [], log: [] };
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, HOST, r));
  port = (server.address() as AddressInfo).port;
  importInventoryText({
    ctx,
    text: JSON.stringify({
      version: 1,
      devices: [{ id: 'cam-a', name: 'Cam A', role: 'camera', expected: true, addresses: [{ network: 'lan', ip: HOST }], services: [{ name: 'camera-node', protocol: 'http', port, path: '/api/v1' }] }],
      links: [],
    }),
  });
});

afterEach(async () => {
  for (const res of held.splice(0)) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  store.close();
  tmp.cleanup();
});

const apply = (timeoutMs = 8000) => applySettings({ ctx, input: { devices: ['cam-a'], settings: ['iso=800'], timeoutMs }, scope: parseProbeScope('127.0.0.0/8'), clock });

/** The camera's health as the probe engine keeps it: its LAN path up since `since`, its look as it last told it. */
function healthNow(since: string, frameRate = 60): DeviceHealth {
  const look = { ...lookOf(), format: { width: 1920, height: 1080, frameRate: String(frameRate), interlaced: false, codec: null, dynamicRange: null }, shutterAngle: null };
  const status = { state: 'idle', battery: { level: 0.9, charging: false }, thermal: 'nominal', storage: { freeBytes: 1e11, totalBytes: 2e11 }, uptimeSec: 5, time: null, look } as NodeStatus;
  return {
    deviceId: 'cam-a', state: 'up', status, lastSeen: since,
    paths: [{ network: 'lan', address: HOST, service: 'camera-node', port, state: 'up', latencyMs: 1, lastError: null, since, flapping: false, heartbeatAgeMs: null }],
  };
}

describe('settings read-back on the injected clock', () => {
  it('a camera that shows the value on the third read-back is asked again every 400 ms and reported applied', async () => {
    cam.lagReads = 2;
    const r = await driveUntilDone(apply());
    const t0 = cam.readBacks[0]!;
    expect(cam.readBacks.map((t) => t - t0)).toEqual([0, RETRY_MS, 2 * RETRY_MS]);
    expect(r.cameras[0]!.outcome).toBe('applied');
    expect(r.cameras[0]!.settings).toEqual([{ key: 'iso', wanted: 800, outcome: 'applied', readBack: 800 }]);
    // The report's times are the clock's: two waits of 400 ms, nothing else moved it.
    expect(r.cameras[0]!.ms).toBe(2 * RETRY_MS);
    expect(r.ms).toBe(2 * RETRY_MS);
    expect(clock.pending).toBe(0);
  });

  it('a camera that never shows the value is asked until the 3 s window closes, then not confirmed with what it reads', async () => {
    cam.lagReads = Infinity;
    const r = await driveUntilDone(apply());
    const t0 = cam.readBacks[0]!;
    // Asked at 0, 400, … as long as the next ask still falls inside the window: 0…2800 ms.
    const expected = Array.from({ length: Math.floor(READ_BACK_WINDOW_MS / RETRY_MS) + 1 }, (_, i) => i * RETRY_MS);
    expect(cam.readBacks.map((t) => t - t0)).toEqual(expected);
    expect(r.cameras[0]!.outcome).toBe('partly');
    expect(r.cameras[0]!.settings[0]).toMatchObject({ key: 'iso', outcome: 'not_confirmed', readBack: 400, reason: 'the camera reads 400 after it was sent 800' });
    expect(r.notApplied).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('a camera that goes quiet after the write is cut off at the per-camera deadline on the clock', async () => {
    cam.silent = true;
    const r = await driveUntilDone(apply(2000));
    expect(cam.readBacks).toHaveLength(1);
    expect(r.cameras[0]!.ms).toBe(2000);
    expect(r.cameras[0]!.settings[0]).toMatchObject({ key: 'iso', outcome: 'not_confirmed' });
    expect(r.cameras[0]!.settings[0]!.reason).toMatch(/^no answer to the read-back/);
    expect(clock.pending).toBe(0);
  });
});

describe('the read before a change', () => {
  const UP = '2026-01-01T09:00:00.000Z';
  const change = (settings: string[], cache: SupportedCache | undefined, h: DeviceHealth) => applySettings({ ctx, input: { devices: ['cam-a'], settings }, scope: parseProbeScope('127.0.0.0/8'), clock, health: () => h, ...(cache ? { supported: cache } : {}) });

  it('a camera already known (live look, supported lists from the last change) is written at once, its values still checked', async () => {
    const cache = new SupportedCache(clock);
    const first = await change(['iso=800'], cache, healthNow(UP));
    expect(first.applied).toBe(1);
    // The first change read the camera before writing.
    expect(cam.log).toEqual(['GET', 'PATCH', 'GET']);
    cam.log = [];
    cam.sent = null;
    const second = await change(['iso=1600'], cache, healthNow(UP));
    expect(second.cameras[0]!.settings).toEqual([{ key: 'iso', wanted: 1600, outcome: 'applied', readBack: 1600 }]);
    // Nothing read before the write: the write, then the read-back.
    expect(cam.log).toEqual(['PATCH', 'GET']);
    cam.log = [];
    // Checked against the cached list: refused before anything is sent.
    const refused = await change(['iso=3200'], cache, healthNow(UP));
    expect(refused.cameras[0]!.settings).toEqual([{ key: 'iso', wanted: 3200, outcome: 'refused', status: null, reason: 'out of range: supported 200–1600' }]);
    expect(cam.log).toEqual([]);
  });

  it('after a reconnect, for another format, or without a cache (the CLI) the camera is read again', async () => {
    const cache = new SupportedCache(clock);
    await change(['iso=800'], cache, healthNow(UP));
    const readsFirst = async (h: DeviceHealth, c: SupportedCache | undefined) => {
      cam.log = [];
      cam.sent = null;
      const r = await change(['iso=400'], c, h);
      expect(r.applied).toBe(1);
      return cam.log[0];
    };
    expect(await readsFirst(healthNow('2026-01-01T09:30:00.000Z'), cache)).toBe('GET');
    expect(await readsFirst(healthNow(UP, 25), cache)).toBe('GET');
    expect(await readsFirst(healthNow(UP), undefined)).toBe('GET');
    // Still known for the first path-up time and format.
    expect(await readsFirst(healthNow(UP), cache)).toBe('PATCH');
  });
});
