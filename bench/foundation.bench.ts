/**
 * Foundation figures: importing a 1,000-device inventory, and GET /api/topology
 * latency over a real listening server with 1,000 devices in the map.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/server/config.ts';
import { createLogger, startServer } from '../src/server/main.ts';
import { EventBus } from '../src/topology/events.ts';
import { importInventory } from '../src/topology/inventory.ts';
import { openDb } from '../src/topology/store/db.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { percentile, report } from './lib/stats.ts';

const DEVICES = 1000;

function bigInventory(n: number) {
  const devices = Array.from({ length: n }, (_, i) => ({
    id: `cam-${String(i).padStart(4, '0')}`,
    name: `Cam ${i}`,
    role: i % 50 === 0 ? 'hotspot' : 'camera',
    addresses: [
      { network: 'lan', ip: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`, hostname: `cam-${i}.local` },
      { network: 'tailscale', ip: `127.100.${Math.floor(i / 250)}.${1 + (i % 250)}`, hostname: `cam-${i}.tail1234.ts.net` },
    ],
    services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }],
    tags: ['bench', `row-${i % 10}`],
  }));
  const links = devices.filter((d) => d.role === 'camera').map((d, i) => ({ from: d.id, to: `cam-${String(Math.floor(i / 49) * 50).padStart(4, '0')}`, kind: 'wifi' }));
  return { version: 1, rig: { name: 'Bench rig' }, devices, links };
}

const tmp = makeTempDir('rigmap-bench-');
try {
  const doc = bigInventory(DEVICES);
  const dbPath = join(tmp.dir, 'bench.db');
  const store = openDb(dbPath);
  const t0 = performance.now();
  importInventory({ ctx: { db: store.db, bus: new EventBus() }, input: doc });
  report(`import of a ${DEVICES}-device document`, (performance.now() - t0) / 1000, 's', { max: 2 });
  const t1 = performance.now();
  importInventory({ ctx: { db: store.db, bus: new EventBus() }, input: doc });
  report(`re-import of the same document (all unchanged)`, (performance.now() - t1) / 1000, 's');
  store.close();

  const config = loadConfig({ host: '127.0.0.1', port: 0, db: dbPath, logLevel: 'silent' }, { RIGMAP_PROBE_CIDRS: '127.255.255.255/32' });
  const server = await startServer(config, { logger: createLogger({ logLevel: 'silent' }) });
  try {
    const times: number[] = [];
    for (let i = 0; i < 220; i++) {
      const s = performance.now();
      const res = await fetch(`${server.url}/api/topology`);
      const body = (await res.json()) as { devices: unknown[] };
      if (body.devices.length !== DEVICES) throw new Error(`expected ${DEVICES} devices, got ${body.devices.length}`);
      if (i >= 20) times.push(performance.now() - s); // first 20 warm the JIT
    }
    report(`GET /api/topology p50 at ${DEVICES} devices`, percentile(times, 50), 'ms');
    report(`GET /api/topology p95 at ${DEVICES} devices`, percentile(times, 95), 'ms', { max: 50 });
  } finally {
    await server.close();
  }
} finally {
  tmp.cleanup();
}
