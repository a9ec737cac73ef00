/**
 * Dashboard figures in headless Chromium against a real server: first render
 * (navigation start → graph laid out and painted) and page memory (JS heap after
 * GC) at 200 and 1,000 devices, and change-to-repaint latency over SSE (an event
 * published on the server's bus → the graph repainted in the page).
 * The server is wired like main.ts but without the probe engine, so the figures
 * measure the dashboard, not probing; addresses are outside the probe scope anyway.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import type { DeviceHealth } from '../src/topology/health-types.ts';
import { EventBus } from '../src/topology/events.ts';
import { importInventory } from '../src/topology/inventory.ts';
import { openDb } from '../src/topology/store/db.ts';
import { launchBrowser } from '../test/e2e/harness.ts';
import { ensureBundle } from '../test/e2e/bundle.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { percentile, report } from './lib/stats.ts';

/** A rig of n devices: hotspots every 20, cameras linked to them; 10.x / 100.x addresses are never probed. */
function rigOf(n: number) {
  const devices = Array.from({ length: n }, (_, i) => ({
    id: `dev-${String(i).padStart(4, '0')}`,
    role: i % 20 === 0 ? 'hotspot' : i % 20 === 1 ? 'console' : 'camera',
    addresses: [
      { network: 'lan', ip: `10.20.${Math.floor(i / 250)}.${1 + (i % 250)}` },
      ...(i % 20 === 0 ? [] : [{ network: 'tailscale', ip: `100.100.${Math.floor(i / 250)}.${1 + (i % 250)}` }]),
    ],
    services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }],
  }));
  const links = devices.filter((d) => d.role !== 'hotspot').map((d, i) => ({ from: d.id, to: `dev-${String(Math.floor((i + 1) / 20) * 20).padStart(4, '0')}`, kind: 'wifi' })).filter((l) => l.from !== l.to);
  return { version: 1 as const, rig: { name: `Bench ${n}` }, devices, links };
}

function healthOf(deviceId: string, state: 'up' | 'down'): DeviceHealth {
  const path = (network: 'lan' | 'tailscale') => ({ network, address: network === 'lan' ? '10.20.0.1' : '100.100.0.1', service: 'camera-node', port: 8080, state, latencyMs: state === 'up' ? 4 : null, lastError: state === 'down' ? 'connect ECONNREFUSED' : null, since: new Date().toISOString(), flapping: false, heartbeatAgeMs: null });
  return { deviceId, state, paths: [path('lan'), path('tailscale')], status: null, lastSeen: new Date().toISOString() };
}

async function startBenchServer(n: number, dir: string) {
  const store = openDb(join(dir, `bench-${n}.db`));
  const bus = new EventBus();
  importInventory({ ctx: { db: store.db, bus }, input: rigOf(n) });
  const config = loadConfig({ db: store.path, port: 0, host: '127.0.0.1', logLevel: 'silent' }, { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' });
  const app = buildApp({ db: store.db, bus, config, logger: pino({ level: 'silent' }) });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    bus,
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((r) => { (server as { closeAllConnections?: () => void }).closeAllConnections?.(); server.close(() => { store.close(); r(); }); }),
  };
}

const tmp = makeTempDir('rigmap-bench-web-');
await ensureBundle();
const browser = await launchBrowser();
try {
  for (const n of [200, 1000]) {
    const srv = await startBenchServer(n, tmp.dir);
    const renders: number[] = [];
    let heapMb = 0;
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
      await page.goto(srv.url);
      await page.waitForFunction(() => window.rigmap?.ready === true, undefined, { timeout: 60_000 });
      renders.push(await page.evaluate(() => window.rigmap!.firstRenderMs!));
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      heapMb = Math.max(heapMb, (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1e6);
      if (run === 2 && n === 1000) {
        // Change-to-repaint: publish device.state on the bus, read when the page painted it.
        await page.waitForFunction(() => document.getElementById('live-badge')?.textContent === 'live', undefined, { timeout: 20_000 });
        const lat: number[] = [];
        for (let i = 0; i < 200; i++) {
          const id = `dev-${String(2 + ((i * 37) % (n - 2))).padStart(4, '0')}`;
          if (id.endsWith('0') && Number(id.slice(4)) % 20 === 0) continue;
          const state = i % 2 === 0 ? 'down' : 'up';
          const before = await page.evaluate(() => window.rigmap!.applied.length);
          const t0 = Date.now();
          srv.bus.emit('device.state', { deviceId: id, health: healthOf(id, state), from: state === 'down' ? 'up' : 'down' });
          await page.waitForFunction((b) => window.rigmap!.applied.length > b, before, { timeout: 5_000, polling: 'raf' });
          const painted = await page.evaluate((b) => window.rigmap!.applied[b]!.paintedAt, before);
          lat.push(painted - t0);
        }
        report(`change-to-repaint over SSE p50 (${n} devices)`, percentile(lat, 50), 'ms');
        report(`change-to-repaint over SSE p95 (${n} devices)`, percentile(lat, 95), 'ms', { max: 200 });
      }
      await page.close();
    }
    report(`first render, ${n} devices (median of 3)`, percentile(renders, 50) / 1000, 's', n === 1000 ? { max: 1.5 } : undefined);
    report(`page memory (JS heap after GC), ${n} devices`, heapMb, 'MB', n === 1000 ? { max: 250 } : undefined);
    await srv.close();
  }
} finally {
  await browser.close();
  tmp.cleanup();
}
