/**
 * From Tailscale's two shapes (API v2 device, Local API peer) to one
 * `TailnetNode`, and from a node to what rigmap stores: tailscale addresses,
 * LAN candidates, tags, role, online and last seen.
 */
import ipaddr from 'ipaddr.js';
import { RigmapError } from '../errors.ts';
import { type AddressInput, ROLES, type Role } from '../model.ts';
import type { ApiDevice, LocalStatus, PeerStatus } from './schemas.ts';

/** One node of the tailnet, whichever source it came from. */
export interface TailnetNode {
  /** Tailscale's stable node id (`nodeId` in the API, `ID` in the Local API). */
  nodeId: string;
  hostname: string;
  /** MagicDNS name, lower-case, without its trailing dot. */
  dnsName: string | null;
  ipv4: string[];
  ipv6: string[];
  tags: string[];
  os: string | null;
  online: boolean | null;
  lastSeen: string | null;
  /** Endpoints (`ip:port`) the node reported to Tailscale; private ones are LAN candidates. */
  endpoints: string[];
  /** The machine rigmap read the Local API from. */
  isSelf: boolean;
}

/** Default tag → role map; RIGMAP_TAILSCALE_ROLE_MAP adds to or overrides it. */
export const DEFAULT_ROLE_MAP: Readonly<Record<string, Role>> = {
  'tag:camera': 'camera',
  'tag:console': 'console',
  'tag:relay': 'relay',
  'tag:server': 'server',
  'tag:monitor': 'monitor',
  'tag:hotspot': 'hotspot',
  'tag:router': 'router',
};

/** Tags in our model: what Tailscale's `tag:name` fits. */
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$/;

/**
 * A timestamp as stored: Go's zero time ("never") and non-RFC 3339 values are
 * null; a UTC value is kept as written, one with an offset (`-05:00`) becomes UTC.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
export function timeOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  const m = RFC3339.exec(v);
  if (!m || v.startsWith('0001-01-01')) return null;
  const ms = Date.parse(v.replace(' ', 'T'));
  if (Number.isNaN(ms)) return null;
  if (m[2] === 'Z') return v;
  return new Date(ms).toISOString();
}

function splitIps(list: readonly string[] | null | undefined): { ipv4: string[]; ipv6: string[] } {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const raw of list ?? []) {
    const ip = raw.replace(/\/\d+$/, '');
    if (!ipaddr.isValid(ip)) continue;
    (ipaddr.parse(ip).kind() === 'ipv4' ? ipv4 : ipv6).push(ip);
  }
  return { ipv4, ipv6 };
}

const cleanDns = (name: string | null | undefined) => (name ? name.replace(/\.$/, '').toLowerCase() || null : null);

/** The first label of a MagicDNS name (`pangolin.tailfe8c.ts.net.` → `pangolin`). */
const firstLabel = (name: string | null | undefined) => (name ? name.replace(/\.$/, '').split('.')[0] ?? '' : '');

/**
 * A device of the HTTP API v2 as a TailnetNode. `nodeId` falls back to the
 * legacy `id` (older answers have no `nodeId`); an empty nodeId means neither.
 */
export function nodeFromApiDevice(d: ApiDevice): TailnetNode {
  return {
    nodeId: d.nodeId || d.id || '',
    hostname: d.hostname || firstLabel(d.name),
    dnsName: cleanDns(d.name),
    ...splitIps(d.addresses),
    tags: [...(d.tags ?? [])],
    os: d.os ?? null,
    online: d.connectedToControl ?? null,
    lastSeen: timeOrNull(d.lastSeen),
    endpoints: [...(d.clientConnectivity?.endpoints ?? [])],
    isSelf: false,
  };
}

/** A Local API peer (or Self) as a TailnetNode. */
export function nodeFromPeer(p: PeerStatus, isSelf = false): TailnetNode {
  return {
    nodeId: p.ID,
    hostname: p.HostName || firstLabel(p.DNSName),
    dnsName: cleanDns(p.DNSName),
    ...splitIps(p.TailscaleIPs),
    tags: [...(p.Tags ?? [])],
    os: p.OS ?? null,
    online: isSelf ? true : (p.Online ?? null),
    lastSeen: timeOrNull(p.LastSeen),
    endpoints: [...(p.Addrs ?? [])],
    isSelf,
  };
}

/** Self first, then every peer, from a Local API status. */
export function nodesFromStatus(status: LocalStatus): TailnetNode[] {
  const nodes = status.Self ? [nodeFromPeer(status.Self, true)] : [];
  for (const peer of Object.values(status.Peer ?? {})) nodes.push(nodeFromPeer(peer));
  return nodes;
}

/** `192.168.1.5:41641` or `[fd00::1]:41641` → the IP, or null. */
function endpointIp(endpoint: string): string | null {
  const m = /^\[([^\]]+)\]:\d+$/.exec(endpoint) ?? /^([^:]+):\d+$/.exec(endpoint);
  const ip = m?.[1] ?? endpoint;
  return ipaddr.isValid(ip) ? ip : null;
}

/** Private (RFC 1918 / unique-local) endpoint IPs: where the node may be reached on a LAN. */
export function lanCandidates(node: TailnetNode): string[] {
  const out = new Set<string>();
  for (const ep of node.endpoints) {
    const ip = endpointIp(ep);
    if (!ip) continue;
    const range = ipaddr.parse(ip).range();
    if (range === 'private' || range === 'uniqueLocal') out.add(ip);
  }
  return [...out];
}

/** The node's tailscale addresses: IPv4 with the MagicDNS name, then each IPv6. */
export function tailscaleAddresses(node: TailnetNode): AddressInput[] {
  const host = node.dnsName ?? undefined;
  const list: AddressInput[] = [];
  node.ipv4.forEach((ip, i) => list.push({ network: 'tailscale', ip, ...(i === 0 && host ? { hostname: host } : {}) }));
  node.ipv6.forEach((ip, i) => list.push({ network: 'tailscale', ip, ...(node.ipv4.length === 0 && i === 0 && host ? { hostname: host } : {}) }));
  if (list.length === 0 && host) list.push({ network: 'tailscale', hostname: host });
  return list;
}

/** Tailscale tags that fit our tag format (all real ones do). */
export const nodeTags = (node: TailnetNode): string[] => node.tags.filter((t) => TAG_RE.test(t));

/** The first of the node's tags the map knows, as a role. */
export function roleFromTags(tags: readonly string[], roleMap: Readonly<Record<string, Role>>): Role | undefined {
  for (const tag of tags) {
    const role = roleMap[tag];
    if (role) return role;
  }
  return undefined;
}

/**
 * Parse `tag:cam=camera,tag:ops=console` onto the default map. An unknown role
 * is an error that names it.
 */
export function parseRoleMap(spec: string | undefined | null): Record<string, Role> {
  const map: Record<string, Role> = { ...DEFAULT_ROLE_MAP };
  if (!spec?.trim()) return map;
  for (const pair of spec.split(/[,;\s]+/).filter(Boolean)) {
    const [tag, role] = pair.split('=').map((s) => s.trim());
    if (!tag || !role || !(ROLES as readonly string[]).includes(role) || !TAG_RE.test(tag)) {
      throw new RigmapError('validation_failed', `bad Tailscale role map entry "${pair}": write tag:name=role, role one of ${ROLES.join(', ')} (e.g. "tag:cam=camera")`, {
        problems: [{ field: 'roleMap', message: 'must be tag:name=role', value: pair }],
      });
    }
    map[tag] = role as Role;
  }
  return map;
}

/** Lower-case slug of a name for a device id (`DESKTOP-VM` → `desktop-vm`). */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'node';
}

/**
 * The name a node is shown by. Android phones report the hostname "localhost";
 * MagicDNS already gave them a unique name, so that one is used instead.
 */
export function displayName(node: TailnetNode): string {
  const label = node.dnsName?.split('.')[0];
  if ((!node.hostname || node.hostname.toLowerCase() === 'localhost') && label) return label;
  return node.hostname || label || node.nodeId;
}
