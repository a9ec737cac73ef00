/** Shared set-up of the one-look tests: a sim rig of camera nodes, Blackmagic cameras and phones, a real server probing it. */
import { loadConfig } from '../../src/server/config.ts';
import { type RunningServer, startServer } from '../../src/server/main.ts';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import type { Alert, DeviceHealth } from '../../src/topology/health-types.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';

export interface LookHarness {
  sim: SimRig;
  server: RunningServer;
  dbPath: string;
  ids: string[];
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<{ status: number; json: T }>;
  health(id: string): Promise<DeviceHealth>;
  openAlerts(): Promise<Alert[]>;
  /** Change a camera by hand through the simulator's control API. */
  setLook(id: string, patch: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Start the rig, import it and wait until every camera is up and has told its look. */
export async function startLookHarness(o: { lanCidr: string; tailnetCidr: string; nodes: number; blackmagic: number; phones: number; conformBy?: 'role' | 'tag' }): Promise<LookHarness> {
  const sim = await startSimRig({ nodes: o.nodes, blackmagic: o.blackmagic, phones: o.phones, lanCidr: o.lanCidr, tailnetCidr: o.tailnetCidr, heartbeatMs: 200, extras: false, port: 0 });
  const { dir, cleanup } = makeTempDir('rigmap-look-');
  const dbPath = `${dir}/rigmap.db`;
  const server = await startServer(loadConfig({
    db: dbPath, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 400, alertHoldMs: 300, alertSettleMs: 600,
    neverSeenAfterSec: 0, tailscaleSync: 'off', tailnetCidrs: o.tailnetCidr, bonjour: false, ...(o.conformBy ? { conformBy: o.conformBy } : {}),
  }, {}));
  const res = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
  if (res.status !== 200) throw new Error(`import failed: ${await res.text()}`);
  const get = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;
  const ids = sim.nodes.filter((n) => n.role === 'camera').map((n) => n.id);
  const h: LookHarness = {
    sim, server, dbPath, ids, get,
    post: async <T>(path: string, body: unknown) => {
      const r = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as T };
    },
    health: (id) => get(`/api/devices/${id}/health`),
    openAlerts: async () => (await get<{ open: Alert[] }>('/api/alerts')).open,
    setLook: async (id, patch) => {
      const r = await fetch(`${sim.controlUrl}/nodes/${id}/look`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
      if (r.status !== 200) throw new Error(`setLook ${id}: ${await r.text()}`);
    },
    close: async () => {
      // Cameras first: no phone can finish a TLS handshake with a server whose database is closing.
      await sim.close();
      await server.close();
      cleanup();
    },
  };
  await eventually('every camera up with its look', async () => {
    for (const id of ids) {
      const d = await h.health(id);
      if (d.state !== 'up' || !d.status?.look?.format) return false;
    }
    return true;
  }, 60_000);
  return h;
}

export { eventually };
