/**
 * The one rule of "what is behind what". A device is behind an upstream when it
 * has a LAN link (wifi, ethernet, usb, other: not tailscale) to a device whose
 * role carries other devices' traffic (a hotspot, a router, a relay). Alert
 * folding (alerts/path-groups.ts), the graph's hierarchy and the board's groups
 * all read this map (the browser gets it in `/api/topology` as `upstreams`), so a
 * camera drawn behind a relay is the camera whose loss folds into the relay's alert.
 */
import type { LinkKind, Role } from './model.ts';

/** Roles that carry the traffic of the devices linked to them. */
export const UPSTREAM_ROLES: ReadonlySet<Role> = new Set<Role>(['hotspot', 'router', 'relay']);

/** A device's id → the id of the upstream it is behind (devices behind nothing are absent). */
export type UpstreamMap = Record<string, string>;

/**
 * Who is behind whom. One upstream per device: the first qualifying link in
 * the order given (listLinks orders by from, to, kind, so the answer is stable).
 * Cycles (a hotspot linked to a router linked back to it) are broken: one device
 * of the cycle is behind nothing, so every chain ends at a root.
 */
export function upstreamsOf(devices: readonly { id: string; role: string }[], links: readonly { from: string; to: string; kind?: LinkKind }[]): UpstreamMap {
  const roleOf = new Map(devices.map((d) => [d.id, d.role]));
  const upOf = new Map<string, string>();
  for (const l of links) {
    if (l.kind === 'tailscale' || l.from === l.to || upOf.has(l.from) || !roleOf.has(l.from)) continue;
    if (UPSTREAM_ROLES.has(roleOf.get(l.to) as Role)) upOf.set(l.from, l.to);
  }
  // Walk each chain; the link that leads back to a device already on it closes a cycle and is dropped
  // (a device merely leading into a cycle keeps its upstream).
  for (const id of [...upOf.keys()]) {
    const seen = new Set([id]);
    for (let prev = id, cur = upOf.get(id); cur; prev = cur, cur = upOf.get(cur)) {
      if (seen.has(cur)) {
        upOf.delete(prev);
        break;
      }
      seen.add(cur);
    }
  }
  return Object.fromEntries(upOf);
}
