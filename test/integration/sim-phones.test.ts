/**
 * Simulated iPhones running Blackmagic Camera (`rigmap sim --phones`), checked
 * against the public description of the app (solid174/obs-bmagicam
 * docs/camera-api.md): HTTPS only on 4444 with a self-signed certificate
 * issued by O=Blackmagic Design, Connection: close, an empty reply to plain
 * HTTP, 501 for tally, and the app-closed and format-change faults.
 */
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';

// Test addresses: 127.52.1.0/24 (LAN-like) and 127.152.1.0/24 (tailnet-like).
let rig: SimRig;
beforeAll(async () => {
  rig = await startSimRig({ nodes: 1, extras: false, lanCidr: '127.52.1.0/24', tailnetCidr: '127.152.1.0/24', phones: 2, port: 0 });
});
afterAll(() => rig?.close());

type Got = { status: number; headers: Record<string, unknown>; body: string; issuer: string };
function get(ip: string, path: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: 4444, path, rejectUnauthorized: false, agent: false, timeout: 3000 }, (res) => {
      const issuer = String((res.socket as TLSSocket).getPeerCertificate().issuer?.O ?? '');
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, issuer }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const phone = () => rig.nodes.find((n) => n.id === 'phone-01')!;

describe('a simulated phone', () => {
  it('answers the product over HTTPS on 4444, self-signed by Blackmagic Design, closing every connection', async () => {
    const got = await get(phone().lanIp, '/control/api/v1/system/product');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body)).toEqual({ productName: 'iPhone 17 Pro', deviceName: 'A', softwareVersion: '3.5.100017' });
    expect(got.headers.connection).toBe('close');
    expect(got.issuer).toBe('Blackmagic Design');
    expect((await get(phone().lanIp, '/control/api/v1/camera/tallyStatus')).status).toBe(501);
    expect((await get(phone().lanIp, '/control/api/v1/video/gain')).status).toBe(404);
    expect(JSON.parse((await get(phone().lanIp, '/control/api/v1/system/videoFormat')).body)).toEqual({ name: '1920x1080p60' });
  });

  it('gives plain HTTP an empty reply', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const req = httpRequest({ host: phone().lanIp, port: 4444, path: '/control/api/v1/system/product', agent: false, timeout: 3000 }, () => resolve(null));
      req.on('error', resolve);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
    expect(err?.message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('refuses while the app is off screen and answers when it is back', async () => {
    await rig.applyFault('phone-02', { mode: 'app-closed' });
    const p2 = rig.nodes.find((n) => n.id === 'phone-02')!;
    await expect(get(p2.lanIp, '/control/api/v1/system/product')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await rig.applyFault('phone-02', { mode: 'ok' });
    expect((await get(p2.lanIp, '/control/api/v1/system/product')).status).toBe(200);
  });

  it('goes silent after a format change, then answers with the new format', async () => {
    await rig.applyFault('phone-01', { mode: 'format-change', ms: 1500 });
    await expect(get(phone().lanIp, '/control/api/v1/system/product')).rejects.toThrow(/timeout|hang up/);
    await rig.applyFault('phone-01', { mode: 'ok' });
    expect(JSON.parse((await get(phone().lanIp, '/control/api/v1/system/videoFormat')).body)).toEqual({ name: '3840x2160p30' });
  });

  it('lists the phone in the manifest as a blackmagic service over https on 4444', () => {
    const dev = rig.manifest().devices.find((d) => d.id === 'phone-01')!;
    expect(dev.services).toEqual([{ name: 'blackmagic', protocol: 'https', port: 4444, path: '/control/api/v1' }]);
    expect(dev.name).toBe('Cam A');
  });
});
