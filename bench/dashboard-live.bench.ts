/**
 * Rig board and live preview figures (`npm run bench -- dashboard`):
 * - board first render (navigation → board and graph drawn) at 30 and 1,000 devices;
 * - bandwidth a live contact sheet of 8 cameras costs a viewer: straight from the
 *   nodes (LAN viewer) and through rigmap's preview relay (a tailnet viewer for whom
 *   the nodes have no address), bytes counted by Chromium over 10 s;
 * - CPU of the preview relay per relayed stream: 10 devices, fake nodes sending real
 *   pre-encoded frames at 10 fps, one raw-socket reader per device, 10 s.
 * No probe engine: the figures measure the dashboard and the relay, not probing.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { createPreviewHub } from '../src/server/preview.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { drawFrame } from '../src/sim/snapshot.ts';
import { CameraModel } from '../src/sim/device-model.ts';
import { EventBus } from '../src/topology/events.ts';
import { importInventory } from '../src/topology/inventory.ts';
import type { InventoryDocument } from '../src/topology/model.ts';
import { openDb } from '../src/topology/store/db.ts';
import { launchBrowser } from '../test/e2e/harness.ts';
import { ensureBundle } from '../test/e2e/bundle.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import jpeg from 'jpeg-js';
import { percentile, report } from './lib/stats.ts';

const tmp = makeTempDir('rigmap-bench-live-');
let dbs = 0;

/** A rigmap server (no probes) on `host` with `doc` imported. */
async function startServerWith(doc: unknown, host = '127.0.0.1', extra: Record<string, unknown> = {}) {
  const store = openDb(join(tmp.dir, `live-${dbs++}.db`));
  const bus = new EventBus();
  importInventory({ ctx: { db: store.db, bus }, input: doc as InventoryDocument });
  const config = loadConfig({ db: store.path, port: 0, host, logLevel: 'silent', ...extra }, { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' });
  const hub = createPreviewHub({ db: store.db, bus, config });
  const app = buildApp({ db: store.db, bus, config, logger: pino({ level: 'silent' }), previewHub: hub });
  const server = serve({ fetch: app.fetch, hostname: host, port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port, hub,
    close: () => new Promise<void>((r) => { hub.closeAll(); (server as { closeAllConnections?: () => void }).closeAllConnections?.(); server.close(() => { store.close(); r(); }); }),
  };
}

/** n devices, hotspots every 20, cameras linked to them; 10.x addresses are never contacted. */
function rigOf(n: number) {
  const devices = Array.from({ length: n }, (_, i) => ({
    id: `dev-${String(i).padStart(4, '0')}`, role: i % 20 === 0 ? 'hotspot' : 'camera',
    addresses: [{ network: 'lan', ip: `10.21.${Math.floor(i / 250)}.${1 + (i % 250)}` }, { network: 'tailscale', ip: `100.101.${Math.floor(i / 250)}.${1 + (i % 250)}` }],
    services: i % 20 === 0 ? [] : [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }],
  }));
  const links = devices.filter((d) => d.role !== 'hotspot').map((d) => ({ from: d.id, to: `dev-${String(Math.floor(Number(d.id.slice(4)) / 20) * 20).padStart(4, '0')}`, kind: 'wifi' }));
  return { version: 1, rig: { name: `Board ${n}` }, devices, links };
}

await ensureBundle();
const browser = await launchBrowser();
try {
  // 1. Board first render.
  for (const n of [30, 1000]) {
    const srv = await startServerWith(rigOf(n));
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`http://127.0.0.1:${srv.port}/#/board`);
      await page.waitForFunction(() => window.rigmap?.ready === true, undefined, { timeout: 60_000 });
      const tiles = await page.$$eval('[data-testid="tile"]', (t) => t.length);
      if (tiles !== n) throw new Error(`board drew ${tiles} tiles of ${n}`);
      times.push(await page.evaluate(() => window.rigmap!.firstRenderMs!));
      await page.close();
    }
    report(`board first render, ${n} devices (median of 3)`, percentile(times, 50) / 1000, 's', n === 1000 ? { max: 1.5 } : undefined);
    await srv.close();
  }

  // 2. Bandwidth of an 8-camera live contact sheet.
  // The simulator runs in its own process: its JPEG encoding must not slow the server being measured.
  const sim = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/sim-child.ts', import.meta.url)), JSON.stringify({ nodes: 8, extras: false, port: 0, lanCidr: '127.34.6.0/24', tailnetCidr: '127.134.6.0/24', heartbeatMs: 1000 })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const full = await new Promise<InventoryDocument>((resolve, reject) => {
    let buf = '';
    sim.stdout!.on('data', (c: Buffer) => { buf += c.toString(); if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]!)); });
    sim.once('exit', () => reject(new Error('the simulator exited')));
  });
  const lanOnly = { ...full, devices: full.devices.map((d) => ({ ...d, addresses: d.addresses.filter((a) => a.network === 'lan') })) };
  for (const [label, doc, host] of [['straight from the nodes (LAN viewer)', full, '127.0.0.1'], ['through the relay (tailnet viewer)', lanOnly, '127.134.6.250']] as const) {
    // Listening on the address the viewer dials: 127.134.6.250 is in the tailnet range, so that viewer is on the tailnet.
    const srv = await startServerWith(doc, host, { tailnetCidrs: '127.134.6.0/24' });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    let counting = false;
    // Only what crosses the network: a polled tile shows each fetched frame as a blob: URL, which Chromium reports as a load of its own.
    const local = new Set<string>();
    cdp.on('Network.requestWillBeSent', (e) => { if (!/^https?:/.test(e.request.url)) local.add(e.requestId); });
    cdp.on('Network.dataReceived', (e) => { if (counting && !local.has(e.requestId)) bytes += e.encodedDataLength || e.dataLength; });
    await page.goto(`http://${host}:${srv.port}/#/contacts`);
    await page.waitForFunction(() => window.rigmap?.ready === true, undefined, { timeout: 60_000 });
    await page.click('#view-contacts button[data-action="live"]');
    // Streams show the preview URL in src; polled grid tiles show blob: frames and keep the URL in data-live.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#view-contacts img.snapshot')].filter((i) => /preview/.test(`${i.src} ${i.dataset.live ?? ''}`) && i.naturalWidth > 0).length === 8, undefined, { timeout: 30_000 })
      .catch(async (err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(await page.$$eval('#view-contacts article', (as) => as.map((a) => a.innerHTML.slice(0, 300))))}`); });
    await new Promise((r) => setTimeout(r, 1000));
    counting = true;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 10_000));
    counting = false;
    report(`live contact sheet, 8 cameras, ${label}`, (bytes * 8) / ((Date.now() - t0) / 1000) / 1e6, 'Mbit/s', { max: 4 });
    await page.close();
    await srv.close();
  }
  sim.stdin!.end();
} finally {
  await browser.close();
}

// 3. Relay CPU per stream: fake nodes send real frames (pre-encoded) at 10 fps; raw readers discard.
const cam = new CameraModel('cam-x', 1, Date.now());
const frames = Array.from({ length: 16 }, (_, i) => Buffer.from(jpeg.encode({ width: 480, height: 270, data: drawFrame({ cam, name: 'Bench', index: 1, now: Date.now() + i * 100, width: 480, height: 270, barX: i * 30 }) }, 60).data));
const STREAMS = 10;
const nodes: Server[] = [];
const devices = [];
for (let i = 0; i < STREAMS; i++) {
  const node = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=f' });
    let k = 0;
    const t = setInterval(() => { const f = frames[k++ % frames.length]!; res.write(`--f\r\nContent-Type: image/jpeg\r\nContent-Length: ${f.length}\r\n\r\n`); res.write(f); res.write('\r\n'); }, 100);
    res.on('close', () => clearInterval(t));
  });
  const ip = `127.34.7.${10 + i}`;
  const port = await new Promise<number>((r) => node.listen(0, ip, () => r((node.address() as AddressInfo).port)));
  nodes.push(node);
  devices.push({ id: `cpu-${i}`, role: 'camera', addresses: [{ network: 'lan', ip }], services: [{ name: 'camera-node', protocol: 'http', port, path: '/api/v1' }] });
}
const srv = await startServerWith({ version: 1, rig: { name: 'cpu' }, devices, links: [] });
let received = 0;
const sockets = devices.map((d) => {
  const s = connect({ host: '127.0.0.1', port: srv.port });
  s.on('data', (c: Buffer) => { received += c.length; });
  s.write(`GET /api/devices/${d.id}/preview.mjpeg HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
  return s;
});
await new Promise((r) => setTimeout(r, 2000));
const c0 = process.cpuUsage();
const r0 = received;
const t0 = Date.now();
await new Promise((r) => setTimeout(r, 10_000));
const used = process.cpuUsage(c0);
const secs = (Date.now() - t0) / 1000;
const perStream = ((used.user + used.system) / 1e6 / secs / STREAMS) * 100;
report(`relay CPU per preview stream (10 fps, 480 px; ${STREAMS} streams, upper bound)`, perStream, '% of a core');
report('relayed bytes per stream', ((received - r0) * 8) / secs / STREAMS / 1e6, 'Mbit/s');
for (const s of sockets) s.destroy();
await srv.close();
for (const n of nodes) { n.closeAllConnections(); n.close(); }
tmp.cleanup();
