/**
 * The simulated phone's livestream endpoints, checked against the public
 * description (solid174/obs-bmagicam docs/camera-api.md, "Livestream to OBS"):
 * a custom destination is stored as "<service name> SRT", selected by that name
 * or the bare one, `available` with reasons, start answers `200 true`, status
 * Idle → Connecting → Streaming with bitrate and format while a real SRT
 * listener receives, stop answers `200 true`, the destination deleted; a file
 * that is not Streaming XML is refused. Addresses: 127.156.4.0/24, 127.156.104.0/24; listener 127.156.4.250.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import { eventually } from '../helpers/eventually.ts';
import { ffmpegPidsOn, phoneCall } from './phone-preview-helpers.ts';

let sim: SimRig;
let listener: ChildProcess | null = null;
const ip = () => sim.nodes.find((n) => n.id === 'phone-01')!.lanIp;
const call = (method: string, path: string, body?: unknown) => phoneCall(ip(), method, path, body === undefined ? undefined : typeof body === 'string' ? { text: body, type: 'application/xml' } : { text: JSON.stringify(body), type: 'application/json' });
const state = async () => JSON.parse((await call('GET', '/livestreams/0')).body) as { status: string; bitrate: number; cache: number; effectiveVideoFormat: string };
const PORT = 47_000 + Math.floor(Math.random() * 1000);
const xml = `<?xml version="1.0" encoding="UTF-8"?><streaming><service><name>Test &amp; Co</name><servers><server><name>Main</name><url>srt://127.156.4.250:${PORT}</url></server></servers><profiles default="HD"><profile><name>HD</name><config resolution="720p" fps="30" codec="H264"><bitrate>2000000</bitrate></config></profile></profiles></service></streaming>`;

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, extras: false, phones: 1, lanCidr: '127.156.4.0/24', tailnetCidr: '127.156.104.0/24', port: 0 });
});
afterAll(async () => {
  listener?.kill('SIGKILL');
  await sim?.close();
});

describe('a simulated phone livestreams as the app does', () => {
  it('refuses a file that is not Streaming XML', async () => {
    expect((await call('PUT', '/livestreams/customPlatforms/x.xml', '<html>hi</html>')).status).toBe(400);
    expect((await call('PUT', '/livestreams/0/activePlatform', { platform: 'Nope SRT', server: 'x' })).status).toBe(400);
  });

  it('stores, selects, streams to a real SRT listener, stops and deletes', async () => {
    expect((await call('PUT', '/livestreams/customPlatforms/test.xml', xml)).status).toBe(204);
    expect(JSON.parse((await call('GET', '/livestreams/customPlatforms/Test%20%26%20Co%20SRT')).body)).toMatchObject({ name: 'Test & Co SRT', servers: [{ name: 'Main', url: `srt://127.156.4.250:${PORT}` }], profiles: ['HD'] });
    // The bare service name is accepted too; GET answers the stored name and the URL.
    expect((await call('PUT', '/livestreams/0/activePlatform', { platform: 'Test & Co', server: 'Main', quality: 'HD' })).status).toBe(204);
    expect(JSON.parse((await call('GET', '/livestreams/0/activePlatform')).body)).toEqual({ platform: 'Test & Co SRT', server: 'Main', quality: 'HD', url: `srt://127.156.4.250:${PORT}` });
    expect(JSON.parse((await call('GET', '/livestreams/0/available')).body)).toEqual({ available: true, reasons: [] });
    const start = await call('PUT', '/livestreams/0/start');
    expect([start.status, start.body]).toEqual([200, 'true']);
    expect((await state()).status).toBe('Connecting');
    listener = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'mpegts', '-i', `srt://127.156.4.250:${PORT}?mode=listener&listen_timeout=20000000`, '-f', 'null', '-'], { stdio: 'ignore' });
    const s = await eventually('Streaming with a bitrate', async () => { const v = await state(); return v.status === 'Streaming' && v.bitrate > 0 ? v : null; }, 20_000);
    expect(s.effectiveVideoFormat).toBe('640x360p10');
    expect(s.cache).toBeLessThan(10);
    expect((await call('DELETE', '/livestreams/customPlatforms/Test%20%26%20Co%20SRT')).status, 'not while it streams').toBe(409);
    const stop = await call('PUT', '/livestreams/0/stop');
    expect([stop.status, stop.body]).toEqual([200, 'true']);
    expect((await state()).status).toBe('Idle');
    expect((await call('DELETE', '/livestreams/customPlatforms/Test%20%26%20Co%20SRT')).status).toBe(204);
    expect((await call('DELETE', '/livestreams/customPlatforms/Test%20%26%20Co%20SRT')).status).toBe(404);
    listener.kill('SIGKILL');
    listener = null;
    await eventually('no ffmpeg on the test addresses', async () => ffmpegPidsOn('127.156.4.').length === 0, 10_000);
  }, 60_000);

  it('refuses with unsupported-format under the stream-refuse fault', async () => {
    await sim.applyFault('phone-01', { mode: 'stream-refuse' });
    expect(JSON.parse((await call('GET', '/livestreams/0/available')).body)).toEqual({ available: false, reasons: ['unsupported-format'] });
    await sim.applyFault('phone-01', { mode: 'ok' });
  });
});
