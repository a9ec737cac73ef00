/**
 * The Discovered inbox: every node a discovery path found lands here, matched
 * to a known device (whose addresses and last-seen times are then updated) or
 * offered as new with its info prefilled, until the crew accepts or ignores it.
 */
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { recordAudit } from '../access/audit.ts';
import { loadDevices, normalizeHostname } from '../device-rows.ts';
import { createDevice } from '../devices.ts';
import { parseOrThrow, RigmapError } from '../errors.ts';
import { deviceIdSchema, type Device, ROLES } from '../model.ts';
import type { DbLike } from '../store/db.ts';
import { addresses, discovered } from '../store/schema.ts';
import { trustOf } from '../trust/pins.ts';
import { matchDevice, type MatchedBy, networkOf, suggestDevice } from './matching.ts';
import type { DeviceDiscoveredEvent, Discovered, DiscoveredStatus, DiscoverySource, Finding, NodeInfo } from './types.ts';

type Row = typeof discovered.$inferSelect;

const now = () => new Date().toISOString();

/** The inbox key: one row per node, by node id when it has one. */
function keyOf(nodeId: string | null, f: Pick<Finding, 'ip' | 'hostname' | 'port'>): string {
  if (nodeId) return `id:${nodeId}`;
  if (f.ip) return `addr:${f.ip}:${f.port}`;
  return `host:${normalizeHostname(f.hostname)}:${f.port}`;
}

function toDiscovered(row: Row, devices: Device[]): Discovered {
  const info = row.info ? (JSON.parse(row.info) as NodeInfo) : null;
  let status = row.status as DiscoveredStatus;
  let matchedDeviceId = row.matchedDeviceId;
  let matchedBy = row.matchedBy as MatchedBy | null;
  // The map may have changed since the sighting: re-match rows still waiting, release rows whose device is gone.
  if (status === 'new') {
    const match = matchDevice(devices, { nodeId: row.nodeId, ip: row.ip, hostname: row.hostname });
    if (match) [status, matchedDeviceId, matchedBy] = ['matched', match.device.id, match.by];
  } else if ((status === 'matched' || status === 'accepted') && !devices.some((d) => d.id === matchedDeviceId)) {
    [status, matchedDeviceId, matchedBy] = ['new', null, null];
  }
  const taken = new Set(devices.map((d) => d.id));
  return {
    id: row.id,
    source: row.source as DiscoverySource,
    status,
    nodeId: row.nodeId,
    name: row.name,
    ip: row.ip,
    hostname: row.hostname,
    port: row.port,
    apiPath: row.apiPath,
    info,
    matchedDeviceId,
    matchedBy,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    goneAt: row.goneAt,
    suggestion: suggestDevice({
      node: { ...row, role: info?.role ?? null, model: info?.model ?? null, blackmagic: info?.kind === 'blackmagic' },
      taken,
    }),
  };
}

/** Address sources rigmap wrote itself from a sighting; only these are ever replaced by a later one. */
const DISCOVERED_SOURCES: readonly string[] = ['bonjour', 'scan'];

/**
 * Record that `deviceId` answered at this address: refresh last-seen, or learn
 * the address. When the node was recognised by its own id at a new IP, it moved
 * (a DHCP change): the discovery-sourced address on that network is replaced
 * rather than kept beside the new one, which would be probed as down forever.
 * Manual, imported and Tailscale addresses are a person's or the tailnet's
 * word and are never changed here. Returns whether the device's addresses changed.
 */
function touchDeviceAddress(db: DbLike, deviceId: string, f: Finding, seenAt: string, byNodeId: boolean): boolean {
  const rows = db.select().from(addresses).where(eq(addresses.deviceId, deviceId)).all();
  const host = normalizeHostname(f.hostname);
  const source = f.source === 'scan' ? 'scan' : 'bonjour';
  const byIp = f.ip ? rows.filter((a) => a.ip === f.ip) : [];
  if (byIp.length) {
    for (const a of byIp) db.update(addresses).set({ lastSeen: seenAt }).where(eq(addresses.id, a.id)).run();
    return false;
  }
  const byHost = host ? rows.find((a) => normalizeHostname(a.hostname) === host && (a.ip === null || !f.ip)) : undefined;
  if (byHost) {
    // A hostname-only address (e.g. cam-a.local from the inventory) learns its IP.
    db.update(addresses).set({ lastSeen: seenAt, ...(f.ip ? { ip: f.ip } : {}) }).where(eq(addresses.id, byHost.id)).run();
    return Boolean(f.ip);
  }
  const network = networkOf(f.ip);
  const stale = byNodeId && f.ip ? rows.filter((a) => a.network === network && a.ip !== null && DISCOVERED_SOURCES.includes(a.source)) : [];
  if (stale.length) {
    const [keep, ...rest] = stale;
    db.update(addresses).set({ ip: f.ip, hostname: host ?? keep!.hostname, source, lastSeen: seenAt }).where(eq(addresses.id, keep!.id)).run();
    // More than one on the network (left by earlier moves): the node has one address there now.
    for (const a of rest) db.delete(addresses).where(eq(addresses.id, a.id)).run();
    return true;
  }
  db.insert(addresses).values({ deviceId, network, ip: f.ip, hostname: host, source, lastSeen: seenAt }).run();
  return true;
}

/**
 * Put one sighting in the inbox. A node already in the map is matched (by node
 * id, address, then hostname) and its addresses and last seen are updated; a new
 * one waits for accept or ignore. Publishes `device.discovered` when the row is
 * new, back, or changed.
 */
export function recordDiscovery({ ctx, finding }: { ctx: Ctx; finding: Finding }): Discovered {
  const seenAt = now();
  const nodeId = finding.info?.id ?? finding.advertisedId ?? null;
  const name = finding.info?.name ?? finding.advertisedName ?? null;
  const key = keyOf(nodeId, finding);
  const hostname = normalizeHostname(finding.hostname);
  let change: DeviceDiscoveredEvent['change'] | null = null;
  let addressAddedTo: string | null = null;
  const row = ctx.db.transaction((tx) => {
    const devices = loadDevices(tx);
    const old = tx.select().from(discovered).where(eq(discovered.key, key)).get();
    // The node's id is its identity (a phone's device_id): the device it was accepted as, whatever id the crew gave it, is it.
    const acceptedAs = old?.status === 'accepted' && nodeId ? devices.find((d) => d.id === old.matchedDeviceId) : undefined;
    const match = acceptedAs ? { device: acceptedAs, by: 'node-id' as const } : matchDevice(devices, { nodeId, ip: finding.ip, hostname });
    let status: DiscoveredStatus = match ? 'matched' : 'new';
    if (old?.status === 'ignored') status = 'ignored';
    else if (old?.status === 'accepted' && match && match.device.id === old.matchedDeviceId) status = 'accepted';
    const info = finding.info ? JSON.stringify(finding.info) : (old?.info ?? null);
    const values = {
      source: finding.source,
      nodeId,
      name,
      ip: finding.ip ?? old?.ip ?? null,
      hostname: hostname ?? old?.hostname ?? null,
      port: finding.port,
      apiPath: finding.apiPath ?? '/api/v1',
      info,
      status,
      matchedDeviceId: match?.device.id ?? null,
      matchedBy: status === 'accepted' ? old?.matchedBy ?? null : (match?.by ?? null),
      lastSeen: seenAt,
      goneAt: null,
    };
    if (!old || old.goneAt) change = 'found';
    else if (old.ip !== values.ip || old.port !== values.port || old.hostname !== values.hostname || old.info !== info || old.status !== status) change = 'updated';
    if (match && touchDeviceAddress(tx, match.device.id, finding, seenAt, match.by === 'node-id')) {
      addressAddedTo = match.device.id;
      // Say in the audit trail that the device's address followed it (a phone rejoining the hotspot).
      if (match.by === 'node-id' && old?.ip && finding.ip && old.ip !== finding.ip) {
        recordAudit(tx, { actor: 'discovery', action: 'device.moved', target: match.device.id, details: { nodeId, from: old.ip, to: finding.ip, source: finding.source } });
      }
    }
    return old
      ? tx.update(discovered).set(values).where(eq(discovered.id, old.id)).returning().get()
      : tx.insert(discovered).values({ ...values, key, firstSeen: seenAt }).returning().get();
  });
  const out = toDiscovered(row, loadDevices(ctx.db));
  if (addressAddedTo) ctx.bus.emit('device.changed', { deviceId: addressAddedTo, change: 'updated', actor: ctx.actor });
  if (change) ctx.bus.emit('device.discovered', { discovered: out, change });
  return out;
}

/** Bonjour saw the node stop advertising: note it (the row stays for the crew to see). */
export function markDiscoveryGone({ ctx, nodeId, ip, port }: { ctx: Ctx; nodeId: string | null; ip: string | null; port: number }): Discovered | null {
  const key = keyOf(nodeId, { ip, hostname: null, port });
  const row = ctx.db
    .update(discovered)
    .set({ goneAt: now() })
    .where(and(eq(discovered.key, key), isNull(discovered.goneAt)))
    .returning()
    .get();
  if (!row) return null;
  const out = toDiscovered(row, loadDevices(ctx.db));
  ctx.bus.emit('device.discovered', { discovered: out, change: 'gone' });
  return out;
}

/** The inbox, new nodes first, then most recently seen; optionally one status only. */
export function listDiscovered({ ctx, status }: { ctx: Ctx; status?: DiscoveredStatus }): Discovered[] {
  const devices = loadDevices(ctx.db);
  const order: Record<DiscoveredStatus, number> = { new: 0, matched: 1, accepted: 2, ignored: 3 };
  return ctx.db
    .select()
    .from(discovered)
    .orderBy(desc(discovered.lastSeen), asc(discovered.id))
    .all()
    .map((row) => toDiscovered(row, devices))
    .filter((d) => !status || d.status === status)
    .sort((a, b) => order[a.status] - order[b.status]);
}

/** One inbox row, or `not_found`. */
export function getDiscovered({ ctx, id }: { ctx: Ctx; id: number }): Discovered {
  const row = ctx.db.select().from(discovered).where(eq(discovered.id, id)).get();
  if (!row) throw new RigmapError('not_found', `nothing discovered with id ${id} (it may have been cleared)`, { id });
  return toDiscovered(row, loadDevices(ctx.db));
}

/** What the crew may change when accepting. */
export const acceptOverridesSchema = z.strictObject({
  id: deviceIdSchema.optional(),
  role: z.enum(ROLES, { error: () => `must be one of ${ROLES.join(', ')}` }).optional(),
  name: z.string().min(1, { error: 'must not be empty' }).max(120).optional(),
});

/**
 * Add a discovered node to the map as a device (its suggestion, with any
 * overrides: id, role, name). A node that is already a known device is a conflict.
 */
export function acceptDiscovered({ ctx, id, overrides = {} }: { ctx: Ctx; id: number; overrides?: unknown }): { discovered: Discovered; device: Device } {
  const extra = parseOrThrow(acceptOverridesSchema, overrides ?? {}, 'accept options');
  const item = getDiscovered({ ctx, id });
  if ((item.status === 'matched' || item.status === 'accepted') && item.matchedDeviceId) {
    throw new RigmapError('conflict', `this node is already in the map as device "${item.matchedDeviceId}"`, { deviceId: item.matchedDeviceId });
  }
  const device = createDevice({ ctx, input: { ...item.suggestion, ...extra } });
  ctx.db.transaction((tx) => {
    // The addresses came from the wire, not from a person: say so, with when they answered.
    tx.update(addresses)
      .set({ source: item.source === 'scan' ? 'scan' : 'bonjour', lastSeen: item.lastSeen })
      .where(eq(addresses.deviceId, device.id))
      .run();
    tx.update(discovered).set({ status: 'accepted', matchedDeviceId: device.id, matchedBy: null }).where(eq(discovered.id, id)).run();
  });
  pinAtAccept(ctx, device, item.info);
  return { discovered: getDiscovered({ ctx, id }), device: loadDevices(ctx.db, [device.id])[0] ?? device };
}

/**
 * The certificate discovery's own HTTPS check saw (a phone's product answer)
 * becomes the device's pin on its https service at accept, not only at the
 * first probe; audited with the fingerprint, so the crew can compare it with
 * the one the phone shows.
 */
function pinAtAccept(ctx: Ctx, device: Device, info: NodeInfo | null): void {
  const fingerprint = typeof info?.certSha256 === 'string' ? info.certSha256 : null;
  const service = device.services.find((s) => s.protocol === 'https');
  if (!fingerprint || !service) return;
  const pin = trustOf(ctx).pinSeen(device.id, service.name, fingerprint);
  if (pin) recordAudit(ctx.db, { actor: ctx.actor, action: 'device.pinned', target: device.id, details: { service: service.name, fingerprint: pin.fingerprint, at: 'accept' } });
}

/** Hide a discovered node from the inbox's new list; later sightings keep it ignored. */
export function ignoreDiscovered({ ctx, id }: { ctx: Ctx; id: number }): Discovered {
  getDiscovered({ ctx, id });
  ctx.db.update(discovered).set({ status: 'ignored' }).where(eq(discovered.id, id)).run();
  return getDiscovered({ ctx, id });
}
