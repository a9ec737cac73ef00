/** Shared set-up of the health integration tests: a sim rig, a real server probing it, a webhook receiver. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/server/config.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import type { Alert } from '../../src/topology/health-types.ts';
import { makeTempDir } from '../helpers/app.ts';
import { type DeviceHealthView, fetchDeviceHealth } from '../helpers/device-health.ts';

export interface HealthHarness {
  sim: SimRig;
  server: RunningServer;
  /** The server's database file (for changes made from "another process", as the CLI does). */
  dbPath: string;
  hooks: Array<Record<string, unknown> & { event: string; alert: Alert }>;
  get<T = unknown>(path: string): Promise<T>;
  /** One device's `GET /api/devices/:id/health` (test/helpers/device-health.ts). */
  health(id: string): Promise<DeviceHealthView>;
  post<T = unknown>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** Start a sim rig on its own ranges, a server probing it fast, and a webhook notifier. */
export async function startHarness(opts: { lanCidr: string; tailnetCidr: string; nodes?: number; extras?: boolean; settings?: Record<string, unknown> }): Promise<HealthHarness> {
  const sim = await startSimRig({ nodes: opts.nodes ?? 2, lanCidr: opts.lanCidr, tailnetCidr: opts.tailnetCidr, heartbeatMs: 200, extras: opts.extras ?? false, idPrefix: 'cam' });
  const { dir, cleanup } = makeTempDir('rigmap-health-');
  const config = loadConfig(
    {
      db: `${dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 400,
      alertHoldMs: 300, alertSettleMs: 600, neverSeenAfterSec: 0, flapThreshold: 4, flapWindowSec: 4, tailscaleSync: 'off',
      // Bonjour browsing off: another file's advertised rig (`rigmap sim --advertise`: cam-01 …) would be matched by id and its addresses added to this map.
      bonjour: false,
      ...opts.settings,
    },
    {},
  );
  const server = await startServer(config);
  const hooks: HealthHarness['hooks'] = [];
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const get = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;
  const post = async <T>(path: string, body?: unknown) => {
    const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const added = await post('/api/notifiers', { name: 'test-hook', kind: 'webhook', url: hookUrl });
  if (added.status !== 201) throw new Error(`notifier not added: ${JSON.stringify(added.body)}`);
  const imported = await post('/api/import', sim.manifest());
  if (imported.status !== 200) throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
  return {
    sim, server, hooks, get, post, dbPath: `${dir}/rigmap.db`,
    health: (id) => fetchDeviceHealth(server.url, id),
    close: async () => {
      await server.close();
      await sim.close();
      await new Promise<void>((r) => receiver.close(() => r()));
      cleanup();
    },
  };
}

export { eventually } from '../helpers/eventually.ts';

/** Let time pass (for "nothing more happens" checks; never used to assert speed). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
