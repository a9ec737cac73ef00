/**
 * The inventory document (DESIGN.md, version 1): import all-or-nothing in one
 * transaction, idempotent by device id; export in a stable, sorted form so the
 * same map always gives the same bytes.
 */
import { eq, sql } from 'drizzle-orm';
import { listPresets, upsertPresetRow } from './look/presets.ts';
import type { Ctx } from './context.ts';
import { encodeTags, loadDevices, normalizeAddresses, replaceAddresses, replaceServices } from './device-rows.ts';
import { parseOrThrow, RigmapError } from './errors.ts';
import { assertLinkEnds, listLinks, upsertLinkRow } from './links.ts';
import { type Device, type InventoryDocument, inventorySchema } from './model.ts';
import { getRigName, writeMeta } from './rig.ts';
import { devices } from './store/schema.ts';

type InventoryDevice = InventoryDocument['devices'][number];

/** What an import did (or, with dryRun, would do). */
export interface ImportReport {
  dryRun: boolean;
  devices: { created: string[]; updated: string[]; unchanged: string[] };
  links: { created: number; unchanged: number };
}

/** A device in the exact shape of the inventory document. */
export function toInventoryDevice(d: Device | InventoryDevice): InventoryDevice {
  const addresses = 'createdAt' in d ? d.addresses : normalizeAddresses(d.addresses);
  return {
    id: d.id,
    name: d.name ?? d.id,
    role: d.role,
    ...(d.model ? { model: d.model } : {}),
    expected: d.expected,
    addresses: addresses.map((a) => ({
      network: a.network,
      ...(a.ip ? { ip: a.ip } : {}),
      ...(a.hostname ? { hostname: a.hostname } : {}),
    })),
    services: [...d.services]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({ name: s.name, protocol: s.protocol as InventoryDevice['services'][number]['protocol'], port: s.port, ...(s.path ? { path: s.path } : {}) })),
    tags: [...new Set(d.tags)].sort(),
    notes: d.notes,
  };
}

function sortAddresses(list: InventoryDevice['addresses']): InventoryDevice['addresses'] {
  const rank = (n: string) => (n === 'lan' ? 0 : 1);
  return [...list].sort((a, b) => rank(a.network) - rank(b.network) || (a.ip ?? '').localeCompare(b.ip ?? '') || (a.hostname ?? '').localeCompare(b.hostname ?? ''));
}

const sameDevice = (a: InventoryDevice, b: InventoryDevice) =>
  JSON.stringify({ ...a, addresses: sortAddresses(a.addresses) }) === JSON.stringify({ ...b, addresses: sortAddresses(b.addresses) });

/** Parse and validate an inventory document (already decoded from JSON). */
export function parseInventory(input: unknown): InventoryDocument {
  const doc = parseOrThrow(inventorySchema, input, 'inventory');
  const seen = new Map<string, number>();
  doc.devices.forEach((d, i) => {
    const first = seen.get(d.id);
    if (first !== undefined) {
      throw new RigmapError('validation_failed', `invalid inventory: devices[${i}].id: "${d.id}" is already used by devices[${first}]`, {
        problems: [{ field: `devices[${i}].id`, message: `duplicate of devices[${first}].id`, value: d.id }],
      });
    }
    seen.set(d.id, i);
  });
  return doc;
}

/**
 * Import an inventory: devices are created or updated by id, links added when
 * new. Everything happens in one transaction: on any error nothing is written.
 */
export function importInventory({ ctx, input, dryRun = false }: { ctx: Ctx; input: unknown; dryRun?: boolean }): ImportReport {
  const doc = parseInventory(input);
  const report: ImportReport = { dryRun, devices: { created: [], updated: [], unchanged: [] }, links: { created: 0, unchanged: 0 } };
  const DRY_RUN_ROLLBACK = Symbol('dry run');
  try {
    ctx.db.transaction((tx) => {
      const existing = new Map(loadDevices(tx, doc.devices.map((d) => d.id)).map((d) => [d.id, d]));
      for (const d of doc.devices) {
        const current = existing.get(d.id);
        const incoming = toInventoryDevice(d);
        if (current && sameDevice(toInventoryDevice(current), incoming)) {
          report.devices.unchanged.push(d.id);
          continue;
        }
        const row = { name: d.name ?? d.id, role: d.role, model: d.model ?? null, notes: d.notes, tags: encodeTags(d.tags), expected: d.expected };
        if (current) {
          tx.update(devices).set({ ...row, updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))` }).where(eq(devices.id, d.id)).run();
          report.devices.updated.push(d.id);
        } else {
          tx.insert(devices).values({ id: d.id, ...row }).run();
          report.devices.created.push(d.id);
        }
        replaceAddresses(tx, d.id, d.addresses, 'import');
        replaceServices(tx, d.id, d.services);
      }
      doc.links.forEach((l, i) => {
        assertLinkEnds(tx, l, `links[${i}]`);
        if (upsertLinkRow(tx, l).created) report.links.created++;
        else report.links.unchanged++;
      });
      if (doc.rig) writeMeta(tx, 'rig.name', doc.rig.name);
      for (const p of doc.presets ?? []) upsertPresetRow(tx, p);
      if (dryRun) throw DRY_RUN_ROLLBACK;
    });
  } catch (err) {
    if (err !== DRY_RUN_ROLLBACK) throw err;
  }
  if (!dryRun) {
    for (const id of report.devices.created) ctx.bus.emit('device.changed', { deviceId: id, change: 'created', actor: ctx.actor });
    for (const id of report.devices.updated) ctx.bus.emit('device.changed', { deviceId: id, change: 'updated', actor: ctx.actor });
    ctx.bus.emit('inventory.imported', { created: report.devices.created, updated: report.devices.updated, actor: ctx.actor });
  }
  return report;
}

/** The whole map as an inventory document, sorted so equal maps give equal bytes. */
export function exportInventory({ ctx }: { ctx: Ctx }): InventoryDocument {
  return {
    version: 1,
    rig: { name: getRigName(ctx.db) },
    devices: loadDevices(ctx.db).map(toInventoryDevice),
    links: listLinks({ ctx }).map((l) => ({ from: l.from, to: l.to, kind: l.kind })),
    ...presetsOf(ctx),
  };
}

/** The rig presets for the document, when there are any (a map without presets exports as before). */
function presetsOf(ctx: Ctx): Pick<InventoryDocument, 'presets'> {
  const list = listPresets({ ctx });
  return list.length ? { presets: list.map((p) => ({ name: p.name, settings: p.settings as Record<string, unknown>, fromDevice: p.fromDevice })) } : {};
}

/** Decode JSON text, turning a syntax error into a `bad_json` error a person can act on. */
export function decodeJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RigmapError('bad_json', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}
