/**
 * The SQLite schema of the device map. drizzle-kit reads this file to generate
 * migrations (`npm run db:generate`); nothing outside src/topology imports it.
 */
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Key/value settings of the rig itself (its name, sync state, …). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** One row per device in the rig: a camera node, the hotspot, the console… */
export const devices = sqliteTable('devices', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  model: text('model'),
  notes: text('notes').notNull().default(''),
  /** JSON array of strings, kept sorted. */
  tags: text('tags').notNull().default('[]'),
  expected: integer('expected', { mode: 'boolean' }).notNull().default(true),
  /** Tailscale's stable node id, so a re-import updates instead of duplicating. */
  tailscaleNodeId: text('tailscale_node_id'),
  /** Whether Tailscale saw the node online at the last import/sync (null: never imported). */
  tailscaleOnline: integer('tailscale_online', { mode: 'boolean' }),
  /** When Tailscale last saw the node (ISO time), as Tailscale reported it. */
  tailscaleLastSeen: text('tailscale_last_seen'),
  /** Per-device probe interval override in ms; null means the global default. */
  probeIntervalMs: integer('probe_interval_ms'),
  /** Position the user dragged the node to in the dashboard graph. */
  posX: real('pos_x'),
  posY: real('pos_y'),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
}, (t) => [uniqueIndex('devices_tailscale_node_id').on(t.tailscaleNodeId)]);

/** How a device is reached on one network: an IP and/or a hostname (MagicDNS, .local). */
export const addresses = sqliteTable('addresses', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  deviceId: text('device_id').notNull().references(() => devices.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  network: text('network').notNull(),
  ip: text('ip'),
  hostname: text('hostname'),
  source: text('source').notNull().default('manual'),
  lastSeen: text('last_seen'),
}, (t) => [
  index('addresses_device').on(t.deviceId),
  uniqueIndex('addresses_device_network_ip_host').on(t.deviceId, t.network, t.ip, t.hostname),
]);

/** A service a device runs (the camera-node API, RTSP, SRT…). */
export const services = sqliteTable('services', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  deviceId: text('device_id').notNull().references(() => devices.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  name: text('name').notNull(),
  protocol: text('protocol').notNull(),
  port: integer('port').notNull(),
  path: text('path'),
}, (t) => [index('services_device').on(t.deviceId), uniqueIndex('services_device_name').on(t.deviceId, t.name)]);

/** A physical or logical connection between two devices (camera → hotspot over wifi). */
export const links = sqliteTable('links', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  fromId: text('from_id').notNull().references(() => devices.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  toId: text('to_id').notNull().references(() => devices.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  kind: text('kind').notNull(),
}, (t) => [uniqueIndex('links_from_to_kind').on(t.fromId, t.toId, t.kind)]);
