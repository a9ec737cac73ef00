/**
 * rigmap's livestream client against a hostile "phone": answers over the
 * 16 KB cap are refused, numbers are clamped, unknown states and long or
 * control-character strings are cut, reason lists are capped, and a start that
 * does not answer `200 true` is an error in words. Address: 127.156.3.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivestreamApi } from '../../src/topology/preview/phone/livestream-api.ts';
import type { NodePath } from '../../src/topology/relay/paths.ts';

let server: Server;
let answers: Record<string, { status: number; body: string }> = {};
let api: LivestreamApi;

beforeAll(async () => {
  server = createServer((req, res) => {
    const a = answers[`${req.method} ${req.url}`] ?? { status: 404, body: '' };
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.156.3.1', () => r()));
  const path: NodePath = { deviceId: 'evil-phone', service: 'blackmagic', network: 'lan', address: '127.156.3.1', port: (server.address() as AddressInfo).port, https: false, basePath: '/control/api/v1', state: 'up' };
  api = new LivestreamApi(path);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const B = '/control/api/v1';
describe('livestream client caps', () => {
  it('refuses an answer over 16 KB', async () => {
    answers = { [`GET ${B}/livestreams/0`]: { status: 200, body: JSON.stringify({ status: 'Idle', pad: 'x'.repeat(20_000) }) } };
    await expect(api.state()).rejects.toThrow(/evil-phone did not answer GET \/livestreams\/0: answer larger than 16384 bytes/);
  });

  it('clamps numbers, names unknown states and cuts strings', async () => {
    answers = { [`GET ${B}/livestreams/0`]: { status: 200, body: JSON.stringify({ status: '<script>', bitrate: -5, duration: 1e20, cache: 1e9, effectiveVideoFormat: `1920x1080p60\u0000${'y'.repeat(500)}` }) } };
    const s = await api.state();
    expect(s).toMatchObject({ status: 'Unknown', bitrate: 0, duration: 1e9, cache: 100 });
    expect(s.format.length).toBe(40);
    expect(s.format).not.toMatch(/\u0000/);
  });

  it('caps the reasons a phone gives and reads only available === true', async () => {
    answers = { [`GET ${B}/livestreams/0/available`]: { status: 200, body: JSON.stringify({ available: 'yes', reasons: Array.from({ length: 50 }, (_, i) => `r${i}`) }) } };
    expect(await api.available()).toEqual({ available: false, reasons: Array.from({ length: 10 }, (_, i) => `r${i}`) });
  });

  it('says a start that is not "200 true" failed, and a missing livestream needs a newer app', async () => {
    answers = { [`PUT ${B}/livestreams/0/start`]: { status: 200, body: 'false' } };
    await expect(api.start()).rejects.toThrow(/evil-phone did not start its livestream \(HTTP 200: false\)/);
    answers = {};
    await expect(api.state()).rejects.toThrow(/has no livestream \(HTTP 404\): a phone needs Blackmagic Camera 3.4 or later/);
  });
});
