/**
 * Matching a discovered node to a device already in the map (by node id, then
 * address, then hostname), and what `accept` would create when nothing matches.
 */
import ipaddr from 'ipaddr.js';
import { normalizeHostname } from '../device-rows.ts';
import { type Device, type DeviceInput, type Network, ROLES, type Role } from '../model.ts';

export type MatchedBy = 'node-id' | 'address' | 'hostname';

/** What is known about a node when matching it. */
export interface MatchInput {
  nodeId: string | null;
  ip: string | null;
  hostname: string | null;
}

/** A string as a device-id slug ("Cam A" → "cam-a"), or null when nothing is left. */
export function slugify(text: string | null | undefined): string | null {
  const slug = (text ?? '')
    .toLowerCase()
    .replace(/\.local\.?$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || null;
}

/** The known device this node is, and how we know; null when it is new. */
export function matchDevice(devices: Device[], node: MatchInput): { device: Device; by: MatchedBy } | null {
  if (node.nodeId) {
    const slug = slugify(node.nodeId);
    const device = devices.find((d) => d.id === node.nodeId || d.id === slug);
    if (device) return { device, by: 'node-id' };
  }
  if (node.ip) {
    const device = devices.find((d) => d.addresses.some((a) => a.ip === node.ip));
    if (device) return { device, by: 'address' };
  }
  const host = normalizeHostname(node.hostname);
  if (host) {
    const device = devices.find((d) => d.addresses.some((a) => normalizeHostname(a.hostname) === host));
    if (device) return { device, by: 'hostname' };
  }
  return null;
}

const TAILSCALE_V4: [ipaddr.IPv4, number] = ipaddr.IPv4.parseCIDR('100.64.0.0/10') as [ipaddr.IPv4, number];

/** The network an address found on the wire belongs to: Tailscale's CGNAT range, else the LAN. */
export function networkOf(ip: string | null): Network {
  if (ip && ipaddr.IPv4.isValidFourPartDecimal(ip) && ipaddr.IPv4.parse(ip).match(TAILSCALE_V4)) return 'tailscale';
  return 'lan';
}

/** A free device id based on `base` ("cam-a", then "cam-a-2"…). */
function freeId(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base.slice(0, 58)}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** What a discovered node would become in the map: info prefilled, a free id. */
export function suggestDevice({
  node,
  taken,
}: {
  node: MatchInput & { name: string | null; role: string | null; model: string | null; port: number; apiPath: string; blackmagic?: boolean };
  taken: Set<string>;
}): DeviceInput & { id: string } {
  const base = slugify(node.nodeId) ?? slugify(node.name) ?? slugify(node.hostname) ?? `node-${slugify(node.ip) ?? 'unknown'}`;
  const role: Role = (ROLES as readonly string[]).includes(node.role ?? '') ? (node.role as Role) : 'camera';
  const address: { network: Network; ip?: string; hostname?: string } = { network: networkOf(node.ip) };
  if (node.ip) address.ip = node.ip;
  const host = normalizeHostname(node.hostname);
  if (host && !ipaddr.isValid(host)) address.hostname = host;
  return {
    id: freeId(base, taken),
    name: (node.name ?? node.nodeId ?? base).slice(0, 120),
    role,
    ...(node.model ? { model: node.model.slice(0, 120) } : {}),
    addresses: address.ip || address.hostname ? [address] : [],
    // A Blackmagic Camera phone speaks the Blackmagic REST API over HTTPS at its TXT path.
    services: [node.blackmagic ? { name: 'blackmagic', protocol: 'https', port: node.port, path: node.apiPath } : { name: 'camera-node', protocol: 'http', port: node.port, path: node.apiPath }],
  };
}
