/**
 * `importTailnet`: write a tailnet into the device map in one transaction
 * (or, with dryRun, only say what would change), and remember the last import.
 */
import { eq, isNotNull, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { encodeTags, loadDevices, replaceAddresses } from '../device-rows.ts';
import type { Role } from '../model.ts';
import { readMeta, writeMeta } from '../rig.ts';
import type { DbLike } from '../store/db.ts';
import { devices } from '../store/schema.ts';
import { DEFAULT_ROLE_MAP, type TailnetNode } from './mapping.ts';
import { type MatchedBy, planMerge, type StoredTailscaleState } from './merge.ts';

/** Where the nodes came from, as shown in reports: `api`, `headscale`, `local` or `status-file`. */
export type TailnetSourceKind = 'api' | 'headscale' | 'local' | 'status-file';

/** What an import did (or would do, with dryRun). */
export interface TailnetImportReport {
  dryRun: boolean;
  source: TailnetSourceKind;
  added: Array<{ id: string; name: string; nodeId: string; role: Role }>;
  changed: Array<{ id: string; nodeId: string; matchedBy: MatchedBy; fields: string[] }>;
  unchanged: string[];
  /** Devices whose node the tailnet no longer lists; kept in the map, never deleted. */
  gone: Array<{ id: string; nodeId: string }>;
  skipped: Array<{ nodeId: string; hostname: string; reason: string }>;
}

/** The last import, as kept in `meta` for `rigmap tailscale status` and /healthz. */
export interface LastTailnetImport {
  at: string;
  source: TailnetSourceKind;
  added: number;
  changed: number;
  unchanged: number;
  gone: number;
}

const LAST_IMPORT_KEY = 'tailscale.lastImport';

function storedState(db: DbLike): Map<string, StoredTailscaleState> {
  const rows = db
    .select({ id: devices.id, online: devices.tailscaleOnline, lastSeen: devices.tailscaleLastSeen })
    .from(devices)
    .where(isNotNull(devices.tailscaleNodeId))
    .all();
  return new Map(rows.map((r) => [r.id, { online: r.online, lastSeen: r.lastSeen }]));
}

/**
 * Import tailnet nodes: merge with existing devices by node id, then MagicDNS
 * name, then hostname; add the rest. All or nothing: any failure writes nothing.
 */
export function importTailnet({ ctx, nodes, skipped = [], source, dryRun = false, roleMap = DEFAULT_ROLE_MAP }: {
  ctx: Ctx;
  nodes: TailnetNode[];
  /** Nodes the reader could not map (tolerant.ts); reported first. */
  skipped?: TailnetImportReport['skipped'];
  source: TailnetSourceKind;
  dryRun?: boolean;
  roleMap?: Readonly<Record<string, Role>>;
}): TailnetImportReport {
  const report: TailnetImportReport = { dryRun, source, added: [], changed: [], unchanged: [], gone: [], skipped: [] };
  ctx.db.transaction((tx) => {
    const plan = planMerge({ nodes, devices: loadDevices(tx), state: storedState(tx), roleMap });
    report.gone = plan.gone;
    report.skipped = [...skipped, ...plan.skipped];
    for (const p of plan.nodes) {
      const d = p.desired;
      if (p.action === 'add') report.added.push({ id: d.id, name: d.name, nodeId: d.tailscaleNodeId, role: d.role });
      else if (p.action === 'change') report.changed.push({ id: d.id, nodeId: d.tailscaleNodeId, matchedBy: p.matchedBy!, fields: p.fields });
      else report.unchanged.push(d.id);
      if (dryRun) continue;
      const row = {
        name: d.name,
        role: d.role,
        expected: d.expected,
        tags: encodeTags(d.tags),
        tailscaleNodeId: d.tailscaleNodeId,
        tailscaleOnline: d.online,
        tailscaleLastSeen: d.lastSeen,
      };
      if (p.action === 'add') {
        tx.insert(devices).values({ id: d.id, ...row }).run();
      } else if (p.action === 'change') {
        tx.update(devices).set({ ...row, updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))` }).where(eq(devices.id, d.id)).run();
      } else {
        tx.update(devices).set({ tailscaleLastSeen: d.lastSeen }).where(eq(devices.id, d.id)).run();
        continue;
      }
      replaceAddresses(tx, d.id, d.addresses, 'tailscale');
    }
    if (!dryRun) {
      const last: LastTailnetImport = {
        at: new Date().toISOString(),
        source,
        added: report.added.length,
        changed: report.changed.length,
        unchanged: report.unchanged.length,
        gone: report.gone.length,
      };
      writeMeta(tx, LAST_IMPORT_KEY, JSON.stringify(last));
    }
  });
  if (!dryRun) {
    for (const a of report.added) ctx.bus.emit('device.changed', { deviceId: a.id, change: 'created', actor: ctx.actor });
    for (const c of report.changed) ctx.bus.emit('device.changed', { deviceId: c.id, change: 'updated', actor: ctx.actor });
    ctx.bus.emit('inventory.imported', { created: report.added.map((a) => a.id), updated: report.changed.map((c) => c.id), actor: ctx.actor });
  }
  return report;
}

/** The last import written by `importTailnet`, or null. */
export function readLastTailnetImport(db: DbLike): LastTailnetImport | null {
  const raw = readMeta(db, LAST_IMPORT_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as LastTailnetImport;
  } catch {
    return null;
  }
}

/** Online flag and last seen of every device Tailscale knows, by device id. */
export function listTailscaleDevices(db: DbLike): Array<{ id: string; nodeId: string; online: boolean | null; lastSeen: string | null }> {
  return db
    .select({ id: devices.id, nodeId: devices.tailscaleNodeId, online: devices.tailscaleOnline, lastSeen: devices.tailscaleLastSeen })
    .from(devices)
    .where(isNotNull(devices.tailscaleNodeId))
    .orderBy(devices.id)
    .all()
    .map((r) => ({ ...r, nodeId: r.nodeId as string }));
}
