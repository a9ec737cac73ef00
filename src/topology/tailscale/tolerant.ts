/**
 * Tolerant reading of what Tailscale (and Headscale) servers answer. rigmap
 * does not control those servers, and their answers vary by vintage: older API
 * docs have `id` but no `nodeId`, timestamps carry any RFC 3339 offset, new
 * fields appear every release. So: each device is read on its own, unknown
 * fields are ignored, a field whose type is off is dropped (not the device),
 * and a device that cannot be mapped at all is skipped with a reason. Only a
 * document that is not a device list at all is refused (by the callers).
 */
import { nodeFromApiDevice, nodeFromPeer, type TailnetNode } from './mapping.ts';
import { apiDeviceSchema, type LocalStatus, localStatusShellSchema, peerStatusSchema, userProfileSchema } from './schemas.ts';

/** A node rigmap read but could not map; shown in the import report. */
export interface SkippedNode {
  nodeId: string;
  hostname: string;
  reason: string;
}

/** What a tolerant read gives: the nodes that map, and why the others did not. */
export interface TolerantRead {
  nodes: TailnetNode[];
  skipped: SkippedNode[];
}

const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 120) : v === undefined || v === null ? '' : String(v).slice(0, 120));
const field = (obj: unknown, key: string): unknown => (obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined);

/** Skip entry for something that is not even an object. */
function notAnObject(what: string, index: number | string): SkippedNode {
  return { nodeId: '', hostname: '', reason: `${what} #${index} in the list is not a JSON object` };
}

/** Devices of an API v2 device list (or a single device), read one by one. */
export function readApiDevices(devices: readonly unknown[]): TolerantRead {
  const out: TolerantRead = { nodes: [], skipped: [] };
  devices.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out.skipped.push(notAnObject('device', i + 1));
    const parsed = apiDeviceSchema.safeParse(raw);
    const id = text(field(raw, 'nodeId') || field(raw, 'id'));
    const host = text(field(raw, 'hostname') || field(raw, 'name'));
    if (!parsed.success) return out.skipped.push({ nodeId: id, hostname: host, reason: 'rigmap cannot read this device' });
    const node = nodeFromApiDevice(parsed.data);
    if (!node.nodeId) return out.skipped.push({ nodeId: '', hostname: host, reason: 'it has neither nodeId nor id, so a re-import could not recognise it' });
    if (!node.hostname && !node.dnsName) return out.skipped.push({ nodeId: node.nodeId, hostname: '', reason: 'it has neither hostname nor name' });
    out.nodes.push(node);
  });
  return out;
}

/**
 * A Local API status (`tailscale status --json`) read peer by peer: the peers
 * that parse make the status (for path quality too), the others are skipped.
 * Null when the document is not a status at all.
 */
export function readLocalStatus(json: unknown): { status: LocalStatus; skipped: SkippedNode[] } | null {
  const shell = localStatusShellSchema.safeParse(json);
  if (!shell.success) return null;
  const skipped: SkippedNode[] = [];
  const readPeer = (raw: unknown, where: string) => {
    const parsed = peerStatusSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const id = field(raw, 'ID');
    skipped.push({
      nodeId: text(id),
      hostname: text(field(raw, 'HostName') || field(raw, 'DNSName')),
      reason: typeof id === 'string' && id ? `${where} does not parse (${parsed.error.issues[0]?.path.join('.') ?? '?'})` : `${where} has no string ID`,
    });
    return null;
  };
  const { Self, Peer, User, ...rest } = shell.data;
  const self = Self === undefined || Self === null ? null : readPeer(Self, 'Self');
  const peers: NonNullable<LocalStatus['Peer']> = {};
  for (const [key, raw] of Object.entries(Peer ?? {})) {
    const peer = readPeer(raw, `peer ${key.slice(0, 80)}`);
    if (peer) peers[key] = peer;
  }
  const users: NonNullable<LocalStatus['User']> = {};
  for (const [key, raw] of Object.entries(User ?? {})) {
    const user = userProfileSchema.safeParse(raw);
    if (user.success) users[key] = user.data;
  }
  return { status: { ...rest, Self: self, Peer: peers, User: users }, skipped };
}

/** Self first, then every peer, of a status read by readLocalStatus. */
export function nodesOfStatus(status: LocalStatus): TailnetNode[] {
  const nodes = status.Self ? [nodeFromPeer(status.Self, true)] : [];
  for (const peer of Object.values(status.Peer ?? {})) nodes.push(nodeFromPeer(peer));
  return nodes;
}
