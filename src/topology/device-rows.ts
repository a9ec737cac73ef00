/**
 * Reading and writing the rows behind a device (devices, addresses, services).
 * Shared by the device verbs, the inventory import and the discovery/Tailscale
 * merges, so every path writes a device the same way.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Address, AddressInput, AddressSource, Device, Network, Role, Service, ServiceInput } from './model.ts';
import type { DbLike } from './store/db.ts';
import { addresses, devices, services } from './store/schema.ts';

type DeviceRow = typeof devices.$inferSelect;
type AddressRow = typeof addresses.$inferSelect;
type ServiceRow = typeof services.$inferSelect;

const NETWORK_ORDER: Record<string, number> = { lan: 0, tailscale: 1 };

/** lan before tailscale, then by ip, then by hostname: the order every output uses. */
export function compareAddresses(a: Pick<Address, 'network' | 'ip' | 'hostname'>, b: typeof a): number {
  return (
    (NETWORK_ORDER[a.network] ?? 9) - (NETWORK_ORDER[b.network] ?? 9) ||
    (a.ip ?? '').localeCompare(b.ip ?? '') ||
    (a.hostname ?? '').localeCompare(b.hostname ?? '')
  );
}

function toDevice(row: DeviceRow, addrs: AddressRow[], svcs: ServiceRow[]): Device {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    model: row.model,
    notes: row.notes,
    tags: JSON.parse(row.tags) as string[],
    expected: row.expected,
    tailscaleNodeId: row.tailscaleNodeId,
    probeIntervalMs: row.probeIntervalMs,
    ...(row.heartbeatMs !== null ? { heartbeatMs: row.heartbeatMs } : {}),
    position: row.posX !== null && row.posY !== null ? { x: row.posX, y: row.posY } : null,
    addresses: addrs
      .map((a) => ({
        network: a.network as Network,
        ip: a.ip,
        hostname: a.hostname,
        source: a.source as AddressSource,
        lastSeen: a.lastSeen,
      }))
      .sort(compareAddresses),
    services: svcs
      .map((s) => ({ name: s.name, protocol: s.protocol, port: s.port, path: s.path }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function groupBy<T extends { deviceId: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.deviceId);
    if (list) list.push(row);
    else map.set(row.deviceId, [row]);
  }
  return map;
}

/**
 * Load devices with their addresses and services in three queries (never one per
 * device: the topology of a 1,000-device rig is read on every dashboard load).
 */
export function loadDevices(db: DbLike, ids?: string[]): Device[] {
  if (ids && ids.length === 0) return [];
  const rows = ids
    ? db.select().from(devices).where(inArray(devices.id, ids)).orderBy(asc(devices.id)).all()
    : db.select().from(devices).orderBy(asc(devices.id)).all();
  const addrRows = ids
    ? db.select().from(addresses).where(inArray(addresses.deviceId, ids)).all()
    : db.select().from(addresses).all();
  const svcRows = ids
    ? db.select().from(services).where(inArray(services.deviceId, ids)).all()
    : db.select().from(services).all();
  const addrBy = groupBy(addrRows);
  const svcBy = groupBy(svcRows);
  return rows.map((row) => toDevice(row, addrBy.get(row.id) ?? [], svcBy.get(row.id) ?? []));
}

/** One device, or undefined. */
export function loadDevice(db: DbLike, id: string): Device | undefined {
  return loadDevices(db, [id])[0];
}

/** Lower-case a hostname and drop a trailing dot (MagicDNS names end in one). */
export function normalizeHostname(hostname: string | undefined | null): string | null {
  if (!hostname) return null;
  return hostname.replace(/\.$/, '').toLowerCase();
}

/** Drop duplicate addresses (same network, ip and hostname), normalising hostnames. */
export function normalizeAddresses(list: AddressInput[]): Array<{ network: Network; ip: string | null; hostname: string | null }> {
  const seen = new Set<string>();
  const out: Array<{ network: Network; ip: string | null; hostname: string | null }> = [];
  for (const a of list) {
    const addr = { network: a.network, ip: a.ip ?? null, hostname: normalizeHostname(a.hostname) };
    const key = `${addr.network}|${addr.ip}|${addr.hostname}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(addr);
    }
  }
  return out;
}

/**
 * Replace a device's addresses with `list`. An address that stays keeps its
 * source and last-seen time; a new one gets `source`.
 */
export function replaceAddresses(db: DbLike, deviceId: string, list: AddressInput[], source: AddressSource): void {
  const existing = db.select().from(addresses).where(eq(addresses.deviceId, deviceId)).all();
  const byKey = new Map(existing.map((a) => [`${a.network}|${a.ip}|${a.hostname}`, a]));
  db.delete(addresses).where(eq(addresses.deviceId, deviceId)).run();
  const rows = normalizeAddresses(list).map((a) => {
    const old = byKey.get(`${a.network}|${a.ip}|${a.hostname}`);
    return { deviceId, ...a, source: old?.source ?? source, lastSeen: old?.lastSeen ?? null };
  });
  if (rows.length) db.insert(addresses).values(rows).run();
}

/** Replace a device's services with `list` (the last one wins on a repeated name). */
export function replaceServices(db: DbLike, deviceId: string, list: ServiceInput[]): void {
  db.delete(services).where(eq(services.deviceId, deviceId)).run();
  const byName = new Map(list.map((s) => [s.name, s]));
  const rows = [...byName.values()].map((s) => ({ deviceId, name: s.name, protocol: s.protocol, port: s.port, path: s.path ?? null }));
  if (rows.length) db.insert(services).values(rows).run();
}

/** Tags as stored: unique and sorted, so equal maps serialise equally. */
export function encodeTags(tags: string[]): string {
  return JSON.stringify([...new Set(tags)].sort());
}

export type { Service };
