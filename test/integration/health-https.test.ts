/**
 * https services are probed over TLS: a plain https admin page and a camera node
 * speaking the contract over https (both with a self-signed certificate, as LAN
 * boxes and camera nodes have) come up, and a service switched from http to
 * https on the same port is probed again with TLS. Needs /usr/bin/openssl to make
 * the certificate at test time; skipped where it is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';
import { eventually, type HealthHarness, startHarness } from './health-helpers.ts';

const OPENSSL = '/usr/bin/openssl';
const hasOpenssl = existsSync(OPENSSL);

let h: HealthHarness;
let latePort = 0;
const servers: Server[] = [];
const tmp = makeTempDir('rigmap-https-');

/** A self-signed certificate for 127.0.0.1-ish names, made now. */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const key = `${tmp.dir}/key.pem`;
  const cert = `${tmp.dir}/cert.pem`;
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=rigmap-test'], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

const STATUS = { id: 'tls-cam', state: 'idle', battery: { level: 0.8, charging: true }, thermal: 'nominal', storage: { freeBytes: 5e10, totalBytes: 1.28e11 }, uptimeSec: 10, time: new Date().toISOString() };

async function listen(host: string, tls: { key: Buffer; cert: Buffer }): Promise<number> {
  const server = createServer(tls, (req, res) => {
    if (req.url === '/api/v1/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(STATUS));
    if (req.url === '/api/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: hello\ndata: ${JSON.stringify({ id: 'tls-cam', api: 1, heartbeatMs: 200 })}\n\n`);
      let seq = 0;
      const timer = setInterval(() => res.write(`id: ${++seq}\nevent: heartbeat\ndata: {"seq":${seq}}\n\n`), 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>admin</h1>');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  if (!hasOpenssl) return;
  const tls = selfSigned();
  const [boxPort, camPort, late] = await Promise.all([listen('127.0.22.1', tls), listen('127.0.22.2', tls), listen('127.0.22.3', tls)]);
  latePort = late;
  h = await startHarness({ lanCidr: '127.0.21.0/24', tailnetCidr: '127.121.0.0/16', nodes: 1 });
  const add = async (body: unknown) => {
    const r = await h.post('/api/devices', body);
    if (r.status !== 201) throw new Error(`device not added: ${JSON.stringify(r.body)}`);
  };
  await add({ id: 'tls-box', role: 'other', addresses: [{ network: 'lan', ip: '127.0.22.1' }], services: [{ name: 'admin', protocol: 'https', port: boxPort, path: '/' }] });
  await add({ id: 'tls-cam', role: 'camera', addresses: [{ network: 'lan', ip: '127.0.22.2' }], services: [{ name: 'camera-node', protocol: 'https', port: camPort, path: '/api/v1' }] });
  // Registered as http by mistake: a TLS server does not answer plain HTTP.
  await add({ id: 'tls-late', role: 'other', addresses: [{ network: 'lan', ip: '127.0.22.3' }], services: [{ name: 'admin', protocol: 'http', port: late, path: '/' }] });
}, 30_000);

afterAll(async () => {
  await h?.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  tmp.cleanup();
});

describe.skipIf(!hasOpenssl)('https services', () => {
  it('an https service with a self-signed certificate comes up', async () => {
    const box = await eventually('tls-box up', async () => {
      const d = await h.health('tls-box');
      return d.state === 'up' ? d : null;
    });
    expect(box.paths[0]).toMatchObject({ service: 'admin', state: 'up', lastError: null });
  });

  it('a camera node speaking the contract over https comes up, with its status from the TLS poll and stream', async () => {
    const cam = await eventually('tls-cam up with status', async () => {
      const d = await h.health('tls-cam');
      return d.state === 'up' && d.status && d.paths[0]!.heartbeatAgeMs !== null ? d : null;
    });
    expect(cam.status).toMatchObject({ state: 'idle', battery: { charging: true } });
  });

  it('a service switched from http to https on the same port is probed again, with TLS', async () => {
    await eventually('tls-late down while probed as http', async () => (await h.health('tls-late')).state === 'down');
    const patched = await fetch(`${h.server.url}/api/devices/tls-late`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ services: [{ name: 'admin', protocol: 'https', port: latePort, path: '/' }] }),
    });
    expect(patched.status).toBe(200);
    await eventually('tls-late up once probed as https', async () => (await h.health('tls-late')).state === 'up');
  });
});
