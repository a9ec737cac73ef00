/** Shared set-up of the Blackmagic integration tests: a sim rig with iPhones and Blackmagic cameras, a real server probing it. */
import { loadConfig } from '../../src/server/config.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import type { Alert, DeviceHealth } from '../../src/topology/health-types.ts';
import { makeTempDir } from '../helpers/app.ts';

export interface BlackmagicHarness {
  sim: SimRig;
  server: RunningServer;
  dbPath: string;
  health(id: string): Promise<DeviceHealth & { transitions: Array<{ network: string; from: string; to: string; reason: string }> }>;
  openAlerts(): Promise<Alert[]>;
  close(): Promise<void>;
}

/** A rig of `nodes` iPhones and `blackmagic` Blackmagic cameras on their own ranges, imported into a server probing every `intervalMs`. */
export async function startBlackmagicHarness(o: { lanCidr: string; tailnetCidr: string; nodes: number; blackmagic: number; websocket: boolean; intervalMs?: number }): Promise<BlackmagicHarness> {
  const sim = await startSimRig({ nodes: o.nodes, blackmagic: o.blackmagic, blackmagicWebsocket: o.websocket, lanCidr: o.lanCidr, tailnetCidr: o.tailnetCidr, heartbeatMs: 200, extras: false });
  const { dir, cleanup } = makeTempDir('rigmap-bmd-');
  const dbPath = `${dir}/rigmap.db`;
  const config = loadConfig({
    db: dbPath, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: o.intervalMs ?? 400,
    alertHoldMs: 300, alertSettleMs: 600, neverSeenAfterSec: 0, tailscaleSync: 'off', tailnetCidrs: o.tailnetCidr,
    // Bonjour browsing off: another file's advertised rig (`rigmap sim --advertise`: cam-01 …) would be matched by id and its addresses added to this map.
    bonjour: false,
  }, {});
  const server = await startServer(config);
  const res = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
  if (res.status !== 200) throw new Error(`import failed: ${await res.text()}`);
  const get = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;
  return {
    sim, server, dbPath,
    health: (id) => get(`/api/devices/${id}/health`),
    openAlerts: async () => (await get<{ open: Alert[] }>('/api/alerts')).open,
    close: async () => {
      await server.close();
      await sim.close();
      cleanup();
    },
  };
}

export { eventually } from '../helpers/eventually.ts';
