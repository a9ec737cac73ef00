/** The topology document: devices, links and networks in one read, as the dashboard draws it. */
import type { Ctx } from './context.ts';
import { loadDevices } from './device-rows.ts';
import { listLinks } from './links.ts';
import { NETWORKS, type NetworkInfo, type Topology } from './model.ts';
import { getRigName } from './rig.ts';

const NETWORK_NAMES: Record<string, string> = { lan: 'LAN', tailscale: 'Tailnet' };

/** Everything in the map, read in a handful of queries whatever the rig's size. */
export function getTopology({ ctx }: { ctx: Ctx }): Topology {
  const devices = loadDevices(ctx.db);
  const networks: NetworkInfo[] = NETWORKS.map((id) => ({
    id,
    name: NETWORK_NAMES[id] ?? id,
    deviceCount: devices.filter((d) => d.addresses.some((a) => a.network === id)).length,
  }));
  return { rig: { name: getRigName(ctx.db) }, generatedAt: new Date().toISOString(), networks, devices, links: listLinks({ ctx }) };
}
