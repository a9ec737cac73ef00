/**
 * Live pictures from phones running Blackmagic Camera, end to end with real
 * ffmpeg and real SRT over loopback: rigmap adds itself as the simulated
 * phone's SRT destination, the phone's ffmpeg testsrc calls rigmap's ffmpeg
 * listener, and JPEG frames come out of /api/devices/:id/preview.mjpeg. One
 * phone stream for ten viewers; the last viewer gone (linger 1 s here) stops it
 * and restores the phone's destination; a phone streaming elsewhere is left
 * alone; unsupported-format is said clearly; a killed receiver is started
 * again; no ffmpeg is left behind.
 * Addresses: phones 127.156.1.0/24 (LAN), 127.156.101.0/24 (tailnet); rigmap's SRT listener 127.156.1.250.
 */
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { type RunningServer, startServer } from '../../src/server/main.ts';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import type { DeviceHealth } from '../../src/topology/health-types.ts';
import type { PhonePreviewView } from '../../src/topology/preview/phone/previews.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';
import { frameReader } from './mjpeg-reader.ts';
import { alive, ffmpegPidsOn, phoneCall } from './phone-preview-helpers.ts';

// This file's own SRT addresses (127.156.1.0/24): other files' ffmpeg processes, on their own /24s, may be running at the same time.
const BLOCK = '127.156.1.';
let sim: SimRig;
let server: RunningServer;
let cleanup: () => void;
const seenPids = new Set<number>();

const get = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;
const live = (id: string) => (sim.describe().find((n) => n.id === id)!.status as { livestream: { status: string; active: { platform: string }; customPlatforms: string[]; callersStarted: number } }).livestream;
const ipOf = (id: string) => sim.nodes.find((n) => n.id === id)!.lanIp;
const view = (id: string) => get<PhonePreviewView>(`/api/devices/${id}/phone-preview`);

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, extras: false, phones: 4, lanCidr: '127.156.1.0/24', tailnetCidr: '127.156.101.0/24', port: 0 });
  const tmp = makeTempDir('rigmap-phone-preview-');
  cleanup = tmp.cleanup;
  server = await startServer(loadConfig({
    db: `${tmp.dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 500, neverSeenAfterSec: 0,
    tailscaleSync: 'off', tailnetCidrs: '127.156.101.0/24', phonePreviewAddress: '127.156.1.250', phonePreviewLingerS: 1,
    // Ten viewers come from this one test client: the per-caller cap (its own tests: preview-hostile) is raised above them.
    previewMaxStreamsPerCaller: 16,
    // Bonjour browsing off: another file's advertised rig (`rigmap sim --advertise`: cam-01 …) would be matched by id and its addresses added to this map.
    bonjour: false,
  }, {}));
  const res = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
  expect(res.status).toBe(200);
  await eventually('phones up (certificates pinned)', async () => {
    for (const id of ['phone-01', 'phone-02', 'phone-03', 'phone-04']) if ((await get<DeviceHealth>(`/api/devices/${id}/health`)).state !== 'up') return false;
    return true;
  }, 60_000);
}, 90_000);

afterAll(async () => {
  await server?.close();
  await sim?.close();
  cleanup?.();
});

const openPreview = (id: string) => fetch(`${server.url}/api/devices/${id}/preview.mjpeg`);

describe('phone previews over SRT', () => {
  it('a preview opened on a phone yields moving JPEG frames, one phone stream for ten viewers', async () => {
    const callersBefore = live('phone-01').callersStarted;
    const t0 = Date.now();
    const first = frameReader(await openPreview('phone-01'));
    const [f1] = await first.take(1, 15_000);
    const firstFrameMs = Date.now() - t0;
    expect(f1, 'a first frame').toBeDefined();
    // Target 3 s; a generous bound here on a loaded box (the benchmark records the figure).
    expect(firstFrameMs).toBeLessThan(10_000);
    const more = await first.take(4, 10_000);
    const a = jpeg.decode(f1!, { useTArray: true });
    const b = jpeg.decode(more[more.length - 1]!, { useTArray: true });
    expect(a.width).toBe(640);
    expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)), 'the picture moves').not.toBe(0);

    const others = await Promise.all(Array.from({ length: 9 }, async () => frameReader(await openPreview('phone-01'))));
    const got = await Promise.all(others.map((r) => r.take(2, 15_000)));
    expect(got.map((g) => g.length)).toEqual(Array(9).fill(2));
    expect(live('phone-01').callersStarted - callersBefore, 'one phone stream').toBe(1);
    const session = server.phonePreviews!.sessionOf('phone-01')!;
    expect(session.receiversStarted).toBe(1);
    const v = await view('phone-01');
    expect(v.outputs).toBe(1);
    expect(v.state).toBe('streaming');
    seenPids.add(session.receiverPid!);

    // Stream health from /livestreams/0, and the cost.
    await eventually('health polled', async () => (await view('phone-01')).health?.status === 'Streaming' && (await view('phone-01')).health!.bitrate > 0, 15_000);
    const h = (await view('phone-01')).health!;
    expect(h.format).toBe('640x360p10');
    expect(h.cache).toBeLessThan(80);
    expect(h.warning).toBeNull();
    expect(v.cost).toMatch(/battery.*2 Mbit\/s/);
    expect(live('phone-01').active.platform).toBe('rigmap preview SRT');

    // The last viewer leaving: after the linger, the stream stops and the phone gets its destination back.
    await Promise.all([first, ...others].map((r) => r.close()));
    await eventually('phone back to Idle, destination restored, ours deleted', async () => {
      const l = live('phone-01');
      return l.status === 'Idle' && l.active.platform === 'YouTube RTMP' && l.customPlatforms.length === 0;
    }, 20_000);
    await eventually('receiver gone, preview stopped', async () => !alive([...seenPids][0]!) && (await view('phone-01')).state === 'stopped', 10_000);
  }, 90_000);

  it('leaves a phone that is streaming elsewhere alone and says so', async () => {
    const ip = ipOf('phone-02');
    const xml = '<?xml version="1.0"?><streaming><service><name>OBS</name><servers><server><name>Main</name><url>srt://127.156.1.251:9</url></server></servers><profiles><profile><name>HD</name></profile></profiles></service></streaming>';
    expect((await phoneCall(ip, 'PUT', '/livestreams/customPlatforms/obs.xml', { text: xml, type: 'application/xml' })).status).toBe(204);
    expect((await phoneCall(ip, 'PUT', '/livestreams/0/activePlatform', { text: JSON.stringify({ platform: 'OBS SRT', server: 'Main', quality: 'HD' }), type: 'application/json' })).status).toBe(204);
    expect((await phoneCall(ip, 'PUT', '/livestreams/0/start')).body).toBe('true');
    try {
      const res = await openPreview('phone-02');
      expect(res.status).toBe(409);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.message).toMatch(/streaming elsewhere \(to "OBS SRT"\)/);
      expect(live('phone-02').active.platform).toBe('OBS SRT');
      expect(live('phone-02').status).not.toBe('Idle');
      expect(live('phone-02').customPlatforms).toEqual(['OBS SRT']);
      expect((await view('phone-02')).message).toBe('streaming elsewhere');
    } finally {
      await phoneCall(ip, 'PUT', '/livestreams/0/stop');
    }
  }, 30_000);

  it('unsupported-format gives a clear message and leaves the phone as it was', async () => {
    await sim.applyFault('phone-03', { mode: 'stream-refuse' });
    const res = await openPreview('phone-03');
    expect(res.status).toBeGreaterThanOrEqual(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_format');
    expect(body.error.message).toMatch(/phone-03 cannot livestream now: the phone's current video format cannot be livestreamed \(unsupported-format\)/);
    const l = live('phone-03');
    expect([l.status, l.active.platform, l.customPlatforms]).toEqual(['Idle', 'YouTube RTMP', []]);
    expect((await view('phone-03')).state).toBe('failed');
    await sim.applyFault('phone-03', { mode: 'ok' });
  }, 30_000);

  it('a receiver killed mid-stream is started again, and frames come back', async () => {
    const reader = frameReader(await openPreview('phone-04'));
    expect((await reader.take(2, 15_000)).length).toBe(2);
    const session = server.phonePreviews!.sessionOf('phone-04')!;
    const pid = session.receiverPid!;
    seenPids.add(pid);
    process.kill(pid, 'SIGKILL');
    await eventually('a new receiver', async () => session.receiversStarted >= 2 && session.receiverPid !== undefined && session.receiverPid !== pid, 10_000);
    seenPids.add(session.receiverPid!);
    // Frames from before the kill may still be queued; frames after it need the phone to call again.
    await reader.take(50, 300);
    expect((await reader.take(2, 20_000)).length, 'frames after the restart').toBe(2);
    expect(alive(pid)).toBe(false);
    await reader.close();
    await eventually('stopped after the linger', async () => live('phone-04').status === 'Idle' && live('phone-04').customPlatforms.length === 0 && (await view('phone-04')).state === 'stopped', 20_000);
  }, 60_000);

  it('leaves no ffmpeg process behind once rigmap and the simulator close', async () => {
    await server.close();
    await sim.close();
    for (const pid of seenPids) expect(alive(pid), `receiver ${pid}`).toBe(false);
    expect(ffmpegPidsOn(BLOCK)).toEqual([]);
    server = undefined as unknown as RunningServer;
    sim = undefined as unknown as SimRig;
  }, 30_000);
});
