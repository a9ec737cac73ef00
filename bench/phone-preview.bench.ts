/**
 * Phone preview figures (`npm run bench -- phone-preview`), real ffmpeg and SRT
 * over loopback, simulated phones in their own process (their encoders must
 * not be billed to rigmap):
 * - open → first frame in the browser: the board's live toggle clicked → the
 *   phone's tile shows a decoded picture (the phone Idle before each of 3 runs);
 * - glass-to-board delay: the simulated phone draws its wall clock as a bar code
 *   in the picture; the board reads it back from each frame it shows and
 *   compares it with the browser's clock (same machine, same clock);
 * - rigmap CPU per phone stream at 720p15: the server process plus its ffmpeg
 *   receiver, one reader taking every frame (10 fps), 10 s;
 * - bytes to a browser for an 8-phone live contact sheet (all through rigmap).
 * Addresses: phones 127.156.20.0/24 / 127.156.21.0/24 (tailnet 127.156.120.0/24 / .121), listener 127.156.20.250 / .21.250.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/server/config.ts';
import { type RunningServer, startServer } from '../src/server/main.ts';
import type { InventoryDocument } from '../src/topology/model.ts';
import { launchBrowser } from '../test/e2e/harness.ts';
import { ensureBundle } from '../test/e2e/bundle.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { frameReader } from '../test/integration/mjpeg-reader.ts';
import { percentile, report } from './lib/stats.ts';

const tmp = makeTempDir('rigmap-bench-phone-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A simulated rig in a child process; resolves with its manifest and a stop function. */
async function startSim(opts: Record<string, unknown>) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/sim-child.ts', import.meta.url)), JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const manifest = await new Promise<InventoryDocument>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => { buf += c.toString(); if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]!)); });
    child.once('exit', () => reject(new Error('the simulator exited')));
  });
  return { manifest, stop: () => new Promise<void>((r) => { child.once('exit', () => r()); child.stdin!.end(); }) };
}

async function startRigmap(doc: InventoryDocument, listen: string, tailnet: string, n: number): Promise<RunningServer> {
  const server = await startServer(loadConfig({
    db: `${tmp.dir}/phone-${listen}.db`, port: 0, host: '127.0.0.1', logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 1000,
    tailscaleSync: 'off', tailnetCidrs: tailnet, phonePreviewAddress: listen, phonePreviewLingerS: 1, neverSeenAfterSec: 0,
  }, {}));
  const res = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  if (!res.ok) throw new Error(`import failed: ${await res.text()}`);
  for (let i = 0; i < 200; i++) {
    const up = await Promise.all(doc.devices.map(async (d) => ((await (await fetch(`${server.url}/api/devices/${d.id}/health`)).json()) as { state: string }).state === 'up'));
    if (up.filter(Boolean).length === n) return server;
    await sleep(250);
  }
  throw new Error('phones never came up');
}

/** CPU seconds (user + system) of process `pid` so far. */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ 100)
}

async function waitIdle(server: RunningServer, id: string): Promise<void> {
  for (let i = 0; i < 200 && server.phonePreviews!.running(id); i++) await sleep(100);
}

await ensureBundle();
const browser = await launchBrowser();
try {
  // Phase A: one phone at 720p15 with the clock strip.
  const simA = await startSim({ nodes: 0, extras: false, phones: 1, port: 0, lanCidr: '127.156.20.0/24', tailnetCidr: '127.156.120.0/24', phoneStream: '720p', phoneStreamClock: true });
  const a = await startRigmap(simA.manifest, '127.156.20.250', '127.156.120.0/24', 1);
  const tile = '[data-testid="tile"][data-device="phone-01"]';
  const firsts: number[] = [];
  let page: Page | null = null;
  for (let run = 0; run < 3; run++) {
    await waitIdle(a, 'phone-01');
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${a.url}/#/board`);
    await page.waitForFunction(() => window.rigmap?.ready === true, undefined, { timeout: 60_000 });
    await page.waitForSelector(`${tile} [data-testid="live-on-request"]`);
    const t0 = Date.now();
    await page.click('#view-board button[data-action="live"]');
    await page.waitForFunction((sel) => {
      const i = document.querySelector<HTMLImageElement>(`${sel} img.thumb`);
      return !!i && i.naturalWidth > 0 && i.src.startsWith('blob:');
    }, tile, { timeout: 30_000, polling: 20 });
    firsts.push((Date.now() - t0) / 1000);
    if (run < 2) await page.close();
  }
  report('open → first frame on the board (median of 3)', percentile(firsts, 50), 's', { max: 3 });
  process.stdout.write(`  runs: ${firsts.map((s) => s.toFixed(2)).join(', ')} s\n`);

  // Glass to board: read the phone's clock from each frame the tile shows.
  const delays = await page!.evaluate(async (sel) => {
    const out: number[] = [];
    const canvas = document.createElement('canvas');
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    let last = '';
    const end = performance.now() + 15_000;
    while (performance.now() < end && out.length < 30) {
      const img = document.querySelector<HTMLImageElement>(`${sel} img.thumb`);
      if (img && img.src !== last && img.complete && img.naturalWidth > 0) {
        last = img.src;
        const now = Date.now();
        canvas.width = img.naturalWidth;
        canvas.height = 40;
        g.drawImage(img, 0, 0);
        const bit = img.naturalWidth / 32;
        let v = 0;
        for (let i = 0; i < 32; i++) if (g.getImageData(Math.floor(i * bit + bit / 2), Math.floor(bit / 2), 1, 1).data[0]! > 128) v += 2 ** i;
        out.push(((now % 2 ** 32) - v + 2 ** 32) % 2 ** 32);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return out;
  }, tile);
  await page!.close();
  report('glass-to-board delay, p50 (board polls 2 fps)', percentile(delays, 50) / 1000, 's', { max: 1 });
  report('glass-to-board delay, p95', percentile(delays, 95) / 1000, 's');
  process.stdout.write(`  ${delays.length} frames read\n`);

  // rigmap CPU per stream at 720p: server process + receiver, every frame taken.
  await waitIdle(a, 'phone-01');
  const reader = frameReader(await fetch(`${a.url}/api/devices/phone-01/preview.mjpeg?fps=10`));
  await reader.take(5, 20_000);
  await sleep(2000);
  const pid = a.phonePreviews!.sessionOf('phone-01')!.receiverPid!;
  const c0 = process.cpuUsage();
  const f0 = cpuOf(pid);
  const t0 = Date.now();
  let frames = 0;
  while (Date.now() - t0 < 10_000) frames += (await reader.take(100, 500)).length;
  const secs = (Date.now() - t0) / 1000;
  const node = process.cpuUsage(c0);
  const nodePct = ((node.user + node.system) / 1e6 / secs) * 100;
  const ffPct = ((cpuOf(pid) - f0) / secs) * 100;
  report('rigmap CPU per phone stream, 720p15 in, 640 px 10 fps out', nodePct + ffPct, '% of a core', { max: 15 });
  process.stdout.write(`  server process ${nodePct.toFixed(1)} % (includes the bench's reader), ffmpeg receiver ${ffPct.toFixed(1)} %, ${(frames / secs).toFixed(1)} frames/s received\n`);
  await reader.close();
  await a.close();
  await simA.stop();

  // Phase B: an 8-phone live contact sheet.
  const simB = await startSim({ nodes: 0, extras: false, phones: 8, port: 0, lanCidr: '127.156.21.0/24', tailnetCidr: '127.156.121.0/24' });
  const b = await startRigmap(simB.manifest, '127.156.21.250', '127.156.121.0/24', 8);
  const sheet = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const cdp = await sheet.context().newCDPSession(sheet);
  await cdp.send('Network.enable');
  let bytes = 0;
  let counting = false;
  const local = new Set<string>();
  cdp.on('Network.requestWillBeSent', (e) => { if (!/^https?:/.test(e.request.url)) local.add(e.requestId); });
  cdp.on('Network.dataReceived', (e) => { if (counting && !local.has(e.requestId)) bytes += e.encodedDataLength || e.dataLength; });
  await sheet.goto(`${b.url}/#/contacts`);
  await sheet.waitForFunction(() => window.rigmap?.ready === true, undefined, { timeout: 60_000 });
  const t1 = Date.now();
  await sheet.click('#view-contacts button[data-action="live"]');
  await sheet.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#view-contacts img.snapshot')].filter((i) => i.naturalWidth > 0 && i.src.startsWith('blob:')).length === 8, undefined, { timeout: 60_000 });
  report('8-phone contact sheet: live toggle → all 8 pictures', (Date.now() - t1) / 1000, 's');
  await sleep(2000);
  counting = true;
  const t2 = Date.now();
  await sleep(10_000);
  counting = false;
  report('8-phone live contact sheet, bytes to the browser', (bytes * 8) / ((Date.now() - t2) / 1000) / 1e6, 'Mbit/s', { max: 3 });
  await sheet.close();
  await b.close();
  await simB.stop();
} finally {
  await browser.close();
  tmp.cleanup();
}
