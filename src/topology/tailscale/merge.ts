/**
 * Planning a tailnet import: which existing device each node is (by node id,
 * then MagicDNS name, then hostname), and what the device looks like after.
 * Pure: reads devices given to it, writes nothing.
 */
import type { Address, AddressInput, Device, Role } from '../model.ts';
import {
  displayName,
  lanCandidates,
  nodeTags,
  roleFromTags,
  slugify,
  type TailnetNode,
  tailscaleAddresses,
} from './mapping.ts';

/** How an existing device was recognised as a node. */
export type MatchedBy = 'nodeId' | 'dnsName' | 'hostname';

/** A device as the import wants it. */
export interface DesiredDevice {
  id: string;
  name: string;
  role: Role;
  expected: boolean;
  tags: string[];
  addresses: AddressInput[];
  tailscaleNodeId: string;
  online: boolean | null;
  lastSeen: string | null;
}

/** One node's fate in the plan. */
export interface PlannedNode {
  node: TailnetNode;
  action: 'add' | 'change' | 'unchanged';
  matchedBy?: MatchedBy;
  /** Fields that differ from the stored device (empty for add/unchanged). */
  fields: string[];
  desired: DesiredDevice;
}

/** What the stored device carries besides the Device shape. */
export interface StoredTailscaleState {
  online: boolean | null;
  lastSeen: string | null;
}

export interface MergePlan {
  nodes: PlannedNode[];
  /** Devices with a Tailscale node id that the tailnet no longer lists. */
  gone: Array<{ id: string; nodeId: string }>;
  /** Nodes not imported, with why (e.g. a node id listed twice). */
  skipped: Array<{ nodeId: string; hostname: string; reason: string }>;
}

const addrKey = (a: { network: string; ip?: string | null; hostname?: string | null }) => `${a.network}|${a.ip ?? ''}|${a.hostname ?? ''}`;
const toInput = (a: Address): AddressInput => ({ network: a.network, ...(a.ip ? { ip: a.ip } : {}), ...(a.hostname ? { hostname: a.hostname } : {}) });

/**
 * The addresses of a matched device after import: Tailscale's addresses replace
 * the tailscale network; LAN candidates are added only when the device has no
 * LAN address that someone entered or imported (those are never overwritten).
 */
function mergeAddresses(current: Device | undefined, node: TailnetNode): AddressInput[] {
  const kept = (current?.addresses ?? []).filter((a) => a.network !== 'tailscale' && !(a.network === 'lan' && a.source === 'tailscale'));
  const hasOwnLan = kept.some((a) => a.network === 'lan');
  const lan: AddressInput[] = hasOwnLan ? [] : lanCandidates(node).map((ip) => ({ network: 'lan', ip }));
  return [...kept.map(toInput), ...tailscaleAddresses(node), ...lan];
}

function desiredFor(node: TailnetNode, id: string, current: Device | undefined, roleMap: Readonly<Record<string, Role>>): DesiredDevice {
  const tags = nodeTags(node);
  const mapped = roleFromTags(tags, roleMap);
  // Tags rigmap users set by hand stay; Tailscale's own (tag:…) follow the tailnet.
  const ownTags = (current?.tags ?? []).filter((t) => !t.startsWith('tag:'));
  return {
    id,
    name: current?.name ?? displayName(node),
    role: mapped ?? current?.role ?? 'other',
    // A tailnet holds laptops and phones nobody expects at the shoot: only tagged rig devices are expected.
    expected: current?.expected ?? mapped !== undefined,
    tags: [...new Set([...ownTags, ...tags])].sort(),
    addresses: mergeAddresses(current, node),
    tailscaleNodeId: node.nodeId,
    online: node.online,
    lastSeen: node.lastSeen,
  };
}

function diffFields(current: Device, state: StoredTailscaleState | undefined, want: DesiredDevice): string[] {
  const fields: string[] = [];
  if (current.name !== want.name) fields.push('name');
  if (current.role !== want.role) fields.push('role');
  if (current.expected !== want.expected) fields.push('expected');
  if (JSON.stringify([...current.tags].sort()) !== JSON.stringify(want.tags)) fields.push('tags');
  const before = current.addresses.map(addrKey).sort();
  const after = [...new Set(want.addresses.map((a) => addrKey({ ...a, hostname: a.hostname?.toLowerCase() })))].sort();
  if (JSON.stringify(before) !== JSON.stringify(after)) fields.push('addresses');
  if (current.tailscaleNodeId !== want.tailscaleNodeId) fields.push('tailscaleNodeId');
  if ((state?.online ?? null) !== want.online) fields.push('online');
  // lastSeen moves on every sync for an online node: written, never counted as a change.
  return fields;
}

/**
 * Match every node to a device and say what changes. Matching runs in passes
 * over all nodes (node id, then MagicDNS name, then hostname) so a strong match
 * anywhere wins over a weaker one; each device is matched at most once.
 */
export function planMerge({ nodes, devices, state, roleMap }: {
  nodes: TailnetNode[];
  devices: Device[];
  state: Map<string, StoredTailscaleState>;
  roleMap: Readonly<Record<string, Role>>;
}): MergePlan {
  const skipped: MergePlan['skipped'] = [];
  const unique: TailnetNode[] = [];
  const seenIds = new Set<string>();
  for (const node of nodes) {
    if (seenIds.has(node.nodeId)) {
      skipped.push({ nodeId: node.nodeId, hostname: node.hostname, reason: 'node id listed more than once; the first entry was used' });
      continue;
    }
    seenIds.add(node.nodeId);
    unique.push(node);
  }

  const claimed = new Set<string>();
  const match = new Map<string, { device: Device; by: MatchedBy }>();
  // A device carrying the id of another node in this import belongs to that node.
  const free = (d: Device, node: TailnetNode) =>
    !claimed.has(d.id) && (d.tailscaleNodeId === null || d.tailscaleNodeId === node.nodeId || !seenIds.has(d.tailscaleNodeId));
  const passes: Array<[MatchedBy, (d: Device, n: TailnetNode) => boolean]> = [
    ['nodeId', (d, n) => d.tailscaleNodeId === n.nodeId],
    ['dnsName', (d, n) => n.dnsName !== null && d.addresses.some((a) => a.hostname === n.dnsName)],
    ['hostname', (d, n) => {
      const host = n.hostname.toLowerCase();
      return host !== '' && host !== 'localhost' && (d.id === slugify(n.hostname) || d.name.toLowerCase() === host);
    }],
  ];
  for (const [by, test] of passes) {
    for (const node of unique) {
      if (match.has(node.nodeId)) continue;
      const device = devices.find((d) => free(d, node) && test(d, node));
      if (device) {
        claimed.add(device.id);
        match.set(node.nodeId, { device, by });
      }
    }
  }

  const taken = new Set(devices.map((d) => d.id));
  const planned: PlannedNode[] = unique.map((node) => {
    const m = match.get(node.nodeId);
    if (m) {
      const desired = desiredFor(node, m.device.id, m.device, roleMap);
      const fields = diffFields(m.device, state.get(m.device.id), desired);
      return { node, action: fields.length ? 'change' : 'unchanged', matchedBy: m.by, fields, desired };
    }
    const base = slugify(displayName(node));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base.slice(0, 60 - String(n).length)}-${n}`;
    taken.add(id);
    return { node, action: 'add', fields: [], desired: desiredFor(node, id, undefined, roleMap) };
  });

  const gone = devices
    .filter((d) => d.tailscaleNodeId !== null && !seenIds.has(d.tailscaleNodeId))
    .map((d) => ({ id: d.id, nodeId: d.tailscaleNodeId as string }));
  return { nodes: planned, gone, skipped };
}
