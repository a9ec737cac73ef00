/** The topology document: devices, links and networks in one read, as the dashboard draws it. */
import type { Ctx } from './context.ts';
import { loadDevices } from './device-rows.ts';
import { listLinks } from './links.ts';
import type { DeviceHealth } from './health-types.ts';
import { NETWORKS, type NetworkInfo, type Topology } from './model.ts';
import { getRigName } from './rig.ts';
import { upstreamsOf } from './upstreams.ts';

const NETWORK_NAMES: Record<string, string> = { lan: 'LAN', tailscale: 'Tailnet' };

/**
 * Everything in the map, read in a handful of queries whatever the rig's size.
 * With `health` (the probe engine's lookup), each device carries its live `health`.
 */
export function getTopology({ ctx, health }: { ctx: Ctx; health?: (deviceId: string) => DeviceHealth | undefined }): Topology {
  const unknown = (deviceId: string): DeviceHealth => ({ deviceId, state: 'unknown', paths: [], status: null, lastSeen: null });
  const devices = loadDevices(ctx.db).map((d) => (health ? { ...d, health: health(d.id) ?? unknown(d.id) } : d));
  const networks: NetworkInfo[] = NETWORKS.map((id) => ({
    id,
    name: NETWORK_NAMES[id] ?? id,
    deviceCount: devices.filter((d) => d.addresses.some((a) => a.network === id)).length,
  }));
  const links = listLinks({ ctx });
  return { rig: { name: getRigName(ctx.db) }, generatedAt: new Date().toISOString(), networks, devices, links, upstreams: upstreamsOf(devices, links) };
}
