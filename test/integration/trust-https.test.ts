/**
 * Trust on first use over real HTTPS: a Blackmagic-shaped camera on 4444-style
 * https with a self-signed certificate probes up and is pinned; record.start
 * (with clipName) and record.stop reach it; the reach relay opens it; a swapped
 * certificate makes the path `untrusted`, raises `certificate_changed` and
 * refuses commands until `POST /api/devices/:id/trust` re-pins (audited).
 * Needs /usr/bin/openssl; skipped where it is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually, type HealthHarness, startHarness } from './health-helpers.ts';

const OPENSSL = '/usr/bin/openssl';
const hasOpenssl = existsSync(OPENSSL);
const tmp = makeTempDir('rigmap-trust-');
let h: HealthHarness;
let server: Server;
const received: Array<{ method: string; url: string; body: string }> = [];

function selfSigned(name: string): { key: Buffer; cert: Buffer } {
  const key = `${tmp.dir}/${name}.key`;
  const cert = `${tmp.dir}/${name}.pem`;
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/O=Blackmagic Design/CN=iphone'], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

const API = '/control/api/v1';
const READS: Record<string, unknown> = {
  '/system/product': { deviceName: 'iPhone 17 Pro', productName: 'Blackmagic Camera', softwareVersion: '3.5' },
  '/transports/0/record': { recording: false },
  '/media/workingset': { size: 1, workingset: [{ index: 0, activeDisk: true, volume: 'iPhone', remainingRecordTime: 3600, remainingSpace: 5e10, totalSpace: 1e11 }] },
};

beforeAll(async () => {
  if (!hasOpenssl) return;
  server = createServer(selfSigned('first'), (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method !== 'GET') received.push({ method: req.method ?? '', url, body });
      const rest = url.startsWith(API) ? url.slice(API.length) : '';
      if (req.method === 'POST' && (rest === '/transports/0/record' || rest === '/transports/0/stop')) return void res.writeHead(204, { connection: 'close' }).end();
      const v = READS[rest];
      if (req.method === 'GET' && v !== undefined) return void res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(v));
      res.writeHead(404, { connection: 'close' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.51.7.2', r));
  const port = (server.address() as AddressInfo).port;
  h = await startHarness({ lanCidr: '127.51.7.0/24', tailnetCidr: '127.151.0.0/16', nodes: 0 });
  const r = await h.post('/api/devices', { id: 'phone-b', name: 'Cam B', role: 'camera', addresses: [{ network: 'lan', ip: '127.51.7.2' }], services: [{ name: 'blackmagic', protocol: 'https', port, path: API }] });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
}, 30_000);

afterAll(async () => {
  await h?.close();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  tmp.cleanup();
});

const command = (action: string, args?: unknown) => h.post('/api/commands', { action, devices: ['phone-b'], ...(args ? { args } : {}) });

describe.skipIf(!hasOpenssl)('trust on first use', () => {
  it('probes up and pins the certificate', async () => {
    await eventually('phone-b up', async () => (await h.health('phone-b')).state === 'up');
    const pins = (await h.get<{ pins: Array<{ service: string; fingerprint: string; seenFingerprint: string | null }> }>('/api/devices/phone-b/trust')).pins;
    expect(pins).toHaveLength(1);
    expect(pins[0]).toMatchObject({ service: 'blackmagic', seenFingerprint: null });
    expect(pins[0]!.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('record.start with clipName and record.stop reach the phone over https', async () => {
    const start = await command('record.start', { clipName: 'A001' });
    expect(start.body).toMatchObject({ ok: 1 });
    const stop = await command('record.stop');
    expect(stop.body).toMatchObject({ ok: 1 });
    expect(received).toEqual([
      { method: 'POST', url: `${API}/transports/0/record`, body: JSON.stringify({ clipName: 'A001' }) },
      { method: 'POST', url: `${API}/transports/0/stop`, body: '' },
    ]);
  });

  it('the reach relay opens the phone API', async () => {
    const r = await fetch(`${h.server.url}/reach/phone-b/blackmagic/system/product`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ deviceName: 'iPhone 17 Pro' });
  });

  it('a swapped certificate: untrusted, certificate_changed, commands refused until re-trusted', async () => {
    const before = received.length;
    server.setSecureContext(selfSigned('second'));
    server.closeAllConnections();
    await eventually('path untrusted', async () => (await h.health('phone-b')).paths[0]?.state === 'untrusted');
    const alerts = (await h.get<{ open: Alert[] }>('/api/alerts')).open.filter((a) => a.kind === 'certificate_changed');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ deviceId: 'phone-b', severity: 'critical' });
    expect(alerts[0]!.message).toMatch(/possible impersonation/);
    const refused = await command('record.start', { clipName: 'A002' });
    expect(refused.body).toMatchObject({ ok: 0 });
    expect(JSON.stringify(refused.body)).toMatch(/certificate of phone-b \(blackmagic\) changed/);
    expect(received.length).toBe(before); // nothing reached the impostor
    const relay = await fetch(`${h.server.url}/reach/phone-b/blackmagic/system/product`);
    expect(relay.status).toBe(502);

    const trusted = await h.post('/api/devices/phone-b/trust', {});
    expect(trusted.status).toBe(200);
    expect(trusted.body).toMatchObject({ deviceId: 'phone-b', changed: [{ service: 'blackmagic' }] });
    const again = await command('record.start', { clipName: 'A002' });
    expect(again.body).toMatchObject({ ok: 1 });
    await eventually('path up again', async () => (await h.health('phone-b')).paths[0]?.state === 'up');
    const open = (await h.get<{ open: Alert[] }>('/api/alerts')).open.filter((a) => a.kind === 'certificate_changed');
    expect(open).toHaveLength(0);
    const audit = await h.get<{ entries: Array<{ action: string; target: string }> }>('/api/audit');
    expect(JSON.stringify(audit)).toMatch(/device\.trusted/);
  });
});
