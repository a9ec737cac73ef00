/**
 * Device verbs: list, get, create, update, remove. Each mutation runs in one
 * transaction and publishes `device.changed` after it commits.
 */
import { eq, sql } from 'drizzle-orm';
import type { Ctx } from './context.ts';
import { encodeTags, loadDevice, loadDevices, replaceAddresses, replaceServices } from './device-rows.ts';
import { parseOrThrow, RigmapError } from './errors.ts';
import {
  type Device,
  type DeviceInput,
  deviceInputSchema,
  type DevicePatch,
  devicePatchSchema,
  type Network,
  type Role,
} from './model.ts';
import { devices } from './store/schema.ts';

/** Filters for `listDevices`; every one optional. */
export interface DeviceFilter {
  role?: Role;
  tag?: string;
  network?: Network;
}

/** Every device, sorted by id, optionally filtered. */
export function listDevices({ ctx, filter = {} }: { ctx: Ctx; filter?: DeviceFilter }): Device[] {
  return loadDevices(ctx.db).filter(
    (d) =>
      (!filter.role || d.role === filter.role) &&
      (!filter.tag || d.tags.includes(filter.tag)) &&
      (!filter.network || d.addresses.some((a) => a.network === filter.network)),
  );
}

/** One device by id, or a `not_found` error naming it. */
export function getDevice({ ctx, id }: { ctx: Ctx; id: string }): Device {
  const device = loadDevice(ctx.db, id);
  if (!device) throw new RigmapError('not_found', `no device with id "${id}"`, { id });
  return device;
}

/** Add a device; a taken id is a `conflict`. */
export function createDevice({ ctx, input }: { ctx: Ctx; input: unknown }): Device {
  const parsed = parseOrThrow(deviceInputSchema, input, 'device');
  ctx.db.transaction((tx) => {
    const taken = tx.select({ id: devices.id }).from(devices).where(eq(devices.id, parsed.id)).get();
    if (taken) {
      throw new RigmapError('conflict', `a device with id "${parsed.id}" already exists`, {
        problems: [{ field: 'id', message: 'already exists', value: parsed.id }],
      });
    }
    tx.insert(devices)
      .values({
        id: parsed.id,
        name: parsed.name ?? parsed.id,
        role: parsed.role,
        model: parsed.model ?? null,
        notes: parsed.notes,
        tags: encodeTags(parsed.tags),
        expected: parsed.expected,
      })
      .run();
    replaceAddresses(tx, parsed.id, parsed.addresses, 'manual');
    replaceServices(tx, parsed.id, parsed.services);
  });
  ctx.bus.emit('device.changed', { deviceId: parsed.id, change: 'created', actor: ctx.actor });
  return getDevice({ ctx, id: parsed.id });
}

/** Change some fields of a device; lists given (addresses, services, tags) replace the stored ones. */
export function updateDevice({ ctx, id, patch }: { ctx: Ctx; id: string; patch: unknown }): Device {
  const parsed: DevicePatch = parseOrThrow(devicePatchSchema, patch, 'device change');
  ctx.db.transaction((tx) => {
    if (!loadDevice(tx, id)) throw new RigmapError('not_found', `no device with id "${id}"`, { id });
    const set: Partial<typeof devices.$inferInsert> = {};
    if (parsed.name !== undefined) set.name = parsed.name;
    if (parsed.role !== undefined) set.role = parsed.role;
    if (parsed.model !== undefined) set.model = parsed.model;
    if (parsed.notes !== undefined) set.notes = parsed.notes;
    if (parsed.tags !== undefined) set.tags = encodeTags(parsed.tags);
    if (parsed.expected !== undefined) set.expected = parsed.expected;
    if (parsed.probeIntervalMs !== undefined) set.probeIntervalMs = parsed.probeIntervalMs;
    if (parsed.heartbeatMs !== undefined) set.heartbeatMs = parsed.heartbeatMs;
    if (parsed.position !== undefined) {
      set.posX = parsed.position?.x ?? null;
      set.posY = parsed.position?.y ?? null;
    }
    tx.update(devices)
      .set({ ...set, updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))` })
      .where(eq(devices.id, id))
      .run();
    if (parsed.addresses !== undefined) replaceAddresses(tx, id, parsed.addresses, 'manual');
    if (parsed.services !== undefined) replaceServices(tx, id, parsed.services);
  });
  ctx.bus.emit('device.changed', { deviceId: id, change: 'updated', actor: ctx.actor });
  return getDevice({ ctx, id });
}

/** Remove a device with its addresses, services and links. */
export function removeDevice({ ctx, id }: { ctx: Ctx; id: string }): Device {
  const device = getDevice({ ctx, id });
  ctx.db.delete(devices).where(eq(devices.id, id)).run();
  ctx.bus.emit('device.changed', { deviceId: id, change: 'removed', actor: ctx.actor });
  return device;
}

export type { DeviceInput };
