/**
 * The SQLite schema of the device map. drizzle-kit reads this file to generate
 * migrations (`npm run db:generate`); nothing outside src/topology imports it.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
  /** Per-device heartbeat interval asked of its camera node (contract v1.1) in ms; null: the global --heartbeat-ms. */
  heartbeatMs: integer('heartbeat_ms'),
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

/** Every state change of a probed path, with why in a crew member's words. Pruned after the retention. */
export const healthTransitions = sqliteTable('health_transitions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  deviceId: text('device_id').notNull(),
  service: text('service').notNull(),
  network: text('network').notNull(),
  address: text('address').notNull(),
  port: integer('port').notNull(),
  fromState: text('from_state').notNull(),
  toState: text('to_state').notNull(),
  reason: text('reason').notNull(),
  /** Epoch ms. */
  at: integer('at').notNull(),
}, (t) => [index('health_transitions_device_at').on(t.deviceId, t.at), index('health_transitions_at').on(t.at)]);

/**
 * Every probed path the history has seen, numbered: rollup rows carry the small
 * integer id instead of the path's key and device (bench/history: 190 → ≈ 30
 * bytes per row).
 */
export const healthPaths = sqliteTable('health_paths', {
  id: integer('id').primaryKey(),
  /** The probe target's key: `device|service|network|address|port`. */
  key: text('key').notNull(),
  deviceId: text('device_id').notNull(),
  network: text('network').notNull(),
}, (t) => [uniqueIndex('health_paths_key').on(t.key), index('health_paths_device').on(t.deviceId)]);

/**
 * Latency and availability of one path per minute (hourly once compacted): the
 * database stays bounded however long it runs. The migration makes it
 * `WITHOUT ROWID` (rows live in the primary key's b-tree, no second copy of the
 * key); no other index: every query reads by path and minute.
 */
export const healthRollups = sqliteTable('health_rollups', {
  pathId: integer('path_id').notNull(),
  /** Epoch minute (ms / 60000). */
  minute: integer('minute').notNull(),
  okCount: integer('ok_count').notNull().default(0),
  failCount: integer('fail_count').notNull().default(0),
  latencyCount: integer('latency_count').notNull().default(0),
  /** Whole ms (SQLite stores integral reals as small integers). */
  latencySumMs: real('latency_sum_ms').notNull().default(0),
  latencyMaxMs: real('latency_max_ms').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.pathId, t.minute] })]);

/** Alerts raised for the crew (device lost, path lost, battery low…), open until resolved. */
export const alerts = sqliteTable('alerts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  deviceId: text('device_id').notNull(),
  network: text('network'),
  severity: text('severity').notNull(),
  message: text('message').notNull(),
  /** JSON array of device ids folded into this alert. */
  folded: text('folded').notNull().default('[]'),
  raisedAt: text('raised_at').notNull(),
  resolvedAt: text('resolved_at'),
  acknowledgedAt: text('acknowledged_at'),
  acknowledgedBy: text('acknowledged_by'),
}, (t) => [index('alerts_open').on(t.resolvedAt, t.deviceId), index('alerts_raised').on(t.raisedAt)]);

/** Where alerts are sent: a generic JSON webhook, Slack, Discord or ntfy. */
export const notifiers = sqliteTable('notifiers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  url: text('url').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** Lowest severity sent: info, warning or critical. */
  minSeverity: text('min_severity').notNull().default('info'),
  createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
}, (t) => [uniqueIndex('notifiers_name').on(t.name)]);

/**
 * The Discovered inbox: every node Bonjour, the mDNS prober or a subnet scan
 * found, one row per node (keyed by its node id, else address and port), until
 * the crew accepts it into the map or ignores it.
 */
export const discovered = sqliteTable('discovered', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** `id:<node id>`, else `addr:<ip>:<port>`, else `host:<hostname>:<port>`: one row per node. */
  key: text('key').notNull(),
  /** bonjour, mdns or scan: the path that saw it last. */
  source: text('source').notNull(),
  nodeId: text('node_id'),
  name: text('name'),
  ip: text('ip'),
  hostname: text('hostname'),
  port: integer('port').notNull(),
  apiPath: text('api_path').notNull().default('/api/v1'),
  /** JSON of the node's /api/v1/info answer; null when it did not answer. */
  info: text('info'),
  /** new, matched (a known device), accepted, ignored. */
  status: text('status').notNull().default('new'),
  matchedDeviceId: text('matched_device_id'),
  /** How it was matched: node-id, address or hostname. */
  matchedBy: text('matched_by'),
  firstSeen: text('first_seen').notNull(),
  lastSeen: text('last_seen').notNull(),
  /** When Bonjour saw it stop advertising (null while it advertises or for scans). */
  goneAt: text('gone_at'),
}, (t) => [uniqueIndex('discovered_key').on(t.key), index('discovered_status').on(t.status)]);

/** People who sign in to rigmap: a login, a role (viewer, operator, admin), a scrypt password hash. */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  login: text('login').notNull(),
  role: text('role').notNull(),
  /** `scrypt$N$r$p$<salt b64>$<hash b64>`: never the password itself. */
  passwordHash: text('password_hash').notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by'),
}, (t) => [uniqueIndex('users_login').on(t.login)]);

/** Signed-in browser sessions; only the SHA-256 of the cookie value is stored. */
export const sessions = sqliteTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  /** Sent back by the dashboard in X-Rigmap-CSRF on every mutation. */
  csrf: text('csrf').notNull(),
  createdAt: text('created_at').notNull(),
  /** Epoch ms after which the session no longer counts. */
  expiresAt: integer('expires_at').notNull(),
  remote: text('remote'),
}, (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)]);

/** API tokens for scripts: shown once at creation, stored as SHA-256, revocable. */
export const apiTokens = sqliteTable('api_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  role: text('role').notNull(),
  secretHash: text('secret_hash').notNull(),
  /** The first characters of the token, so a crew member can tell tokens apart. */
  prefix: text('prefix').notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by'),
  /**
   * The user the token acts for: whoever signed in and made it, or, for a token
   * made by a token, that token's owner, so removing the user revokes the whole
   * chain. Null for tokens made on the command line (no user behind them).
   */
  owner: text('owner'),
  lastUsedAt: text('last_used_at'),
  revokedAt: text('revoked_at'),
}, (t) => [uniqueIndex('api_tokens_secret').on(t.secretHash), index('api_tokens_name').on(t.name), index('api_tokens_owner').on(t.owner)]);

/** The audit trail: who did what, when, from where. */
export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: text('at').notNull(),
  actor: text('actor').notNull(),
  /** How the actor was identified: session, token, tailscale, open, cli. */
  via: text('via'),
  /** Remote address of the request (null for the CLI). */
  remote: text('remote'),
  /** What was done: device.created, command.sent, user.added, login.failed, POST /api/notifiers … */
  action: text('action').notNull(),
  target: text('target'),
  /** JSON with the details (per-node results of a command, changed fields…). */
  details: text('details'),
}, (t) => [index('audit_log_at').on(t.at), index('audit_log_actor').on(t.actor)]);

/** Takes (shoot): one row per start…stop of the rig, whether rigmap started it or the cameras were seen recording. */
export const takes = sqliteTable('takes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** rigmap (a command) or node (seen recording on the cameras). */
  startedBy: text('started_by').notNull(),
  /** The synchronized start's target instant (rigmap's clock), when there was one. */
  targetAt: text('target_at'),
  startedAt: text('started_at').notNull(),
  stoppedAt: text('stopped_at'),
}, (t) => [index('takes_open').on(t.stoppedAt), index('takes_started').on(t.startedAt)]);

/** One camera in a take: its start and stop in rigmap's clock, clip, markers and problems. */
export const takeCameras = sqliteTable('take_cameras', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  takeId: integer('take_id').notNull().references(() => takes.id, { onDelete: 'cascade' }),
  deviceId: text('device_id').notNull(),
  clip: text('clip'),
  startedAt: text('started_at'),
  stoppedAt: text('stopped_at'),
  /** Clock offset (node − rigmap, ms) when it started. */
  offsetMs: real('offset_ms'),
  /** Why it stopped by itself (the node's stopReason or state). */
  stopReason: text('stop_reason'),
  /** JSON array: stopped_early, never_started, clock_off. */
  problems: text('problems').notNull().default('[]'),
  /** JSON array of {time, label} (rigmap's clock). */
  markers: text('markers').notNull().default('[]'),
}, (t) => [uniqueIndex('take_cameras_take_device').on(t.takeId, t.deviceId)]);

/**
 * Trust on first use (src/topology/trust/): the SHA-256 of each device's
 * https service certificate, pinned at first contact. Keyed by device and
 * service, not address: a phone's address changes, its identity does not.
 * `seen_*` is a different certificate met since, until an operator re-trusts.
 */
export const certPins = sqliteTable('cert_pins', {
  deviceId: text('device_id').notNull().references(() => devices.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  service: text('service').notNull(),
  fingerprint: text('fingerprint').notNull(),
  pinnedAt: text('pinned_at').notNull(),
  seenFingerprint: text('seen_fingerprint'),
  seenAt: text('seen_at'),
}, (t) => [primaryKey({ columns: [t.deviceId, t.service] })]);

/**
 * Rig presets (src/topology/look/presets.ts): a camera's settings saved under a
 * name (format, ISO, shutter, white balance, tint, auto exposure), as JSON.
 */
export const presets = sqliteTable('presets', {
  name: text('name').primaryKey(),
  /** JSON of LookSettings. */
  settings: text('settings').notNull(),
  /** The camera it was saved from, if any (kept as text: the camera may leave the map). */
  fromDevice: text('from_device'),
  savedAt: text('saved_at').notNull(),
});

/** Which preset was last applied to each camera: the roll call says when a camera no longer matches it. */
export const presetApplications = sqliteTable('preset_applications', {
  deviceId: text('device_id').primaryKey().references(() => devices.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  presetName: text('preset_name').notNull().references(() => presets.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
  appliedAt: text('applied_at').notNull(),
});
