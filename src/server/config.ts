/**
 * Configuration: flags > RIGMAP_* environment > defaults, parsed once with zod.
 * A bad value fails at start-up with a message naming the flag and the variable.
 * Each option is one row of CONFIG_OPTIONS; the README's table mirrors it.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { RigmapError } from '../topology/errors.ts';
import { parseProbeScope } from '../topology/probes/scope.ts';
import { parseTailscaleRoles } from '../topology/access/roles.ts';

/** One configurable setting: its flag, its environment variable, its schema. */
export interface ConfigOption<K extends string = string> {
  key: K;
  flag: string;
  env: string;
  description: string;
  schema: z.ZodType;
}

const port = z.coerce.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must be 0-65535' }).max(65535, { error: 'must be 0-65535' });

const num = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` });
const int = (min: number, max: number) => num(min, max).int({ error: 'must be a whole number' });

/** Every setting rigmap reads; add a row to add a setting. */
export const CONFIG_OPTIONS = [
  { key: 'host', flag: '--host', env: 'RIGMAP_HOST', description: 'address the server listens on', schema: z.string().min(1).default('127.0.0.1') },
  { key: 'port', flag: '--port', env: 'RIGMAP_PORT', description: 'port the server listens on (0 picks a free one)', schema: port.default(4747) },
  { key: 'db', flag: '--db', env: 'RIGMAP_DB', description: 'SQLite database file (created and migrated on first start)', schema: z.string().min(1).default('./data/rigmap.db') },
  {
    key: 'logLevel', flag: '--log-level', env: 'RIGMAP_LOG_LEVEL', description: 'log detail: fatal, error, warn, info, debug, trace or silent',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  },
  {
    key: 'tailnetCidrs', flag: '--tailnet-cidrs', env: 'RIGMAP_TAILNET_CIDRS', description: 'extra comma-separated CIDR ranges whose viewers count as on the tailnet (besides 100.64.0.0/10 and fd7a:115c:a1e0::/48)',
    schema: z.string().default('').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .refine((list) => list.every((c) => ipaddr.isValidCIDR(c)), { error: 'must be comma-separated CIDR ranges, e.g. 127.100.0.0/16' }),
  },
  {
    key: 'tailscaleSync', flag: '--tailscale-sync', env: 'RIGMAP_TAILSCALE_SYNC', description: 'periodic tailnet sync: auto (the API when credentials are set), api, headscale, local or off',
    schema: z.enum(['auto', 'off', 'api', 'headscale', 'local'], { error: 'must be one of auto, off, api, headscale, local' }).default('auto'),
  },
  { key: 'tailscaleApiBase', flag: '--tailscale-api-base', env: 'RIGMAP_TAILSCALE_API_BASE', description: 'Tailscale API base URL (self-hosted control servers, tests)', schema: z.url({ error: 'must be a URL, e.g. https://api.tailscale.com' }).default('https://api.tailscale.com') },
  { key: 'tailscaleTailnet', flag: '--tailscale-tailnet', env: 'RIGMAP_TAILSCALE_TAILNET', description: 'tailnet name for the API ("-": the token\'s own tailnet)', schema: z.string().min(1).default('-') },
  { key: 'tailscaleSocket', flag: '--tailscale-socket', env: 'RIGMAP_TAILSCALE_SOCKET', description: 'tailscaled socket; setting it turns on path quality, whois and pings (auto: the platform default, on macOS the Tailscale app found by itself; empty: off, platform default for the local sync)', schema: z.string().default('') },
  {
    key: 'tailscaleSyncInterval', flag: '--tailscale-sync-interval', env: 'RIGMAP_TAILSCALE_SYNC_INTERVAL', description: 'seconds between tailnet syncs',
    schema: z.coerce.number({ error: 'must be a number' }).min(1, { error: 'must be at least 1' }).max(86_400, { error: 'must be at most 86400' }).default(300),
  },
  { key: 'tailscaleRoleMap', flag: '--tailscale-role-map', env: 'RIGMAP_TAILSCALE_ROLE_MAP', description: 'extra tag→role pairs, e.g. "tag:cam=camera,tag:ops=console" (defaults: tag:camera→camera, tag:console→console, …)', schema: z.string().default('') },
  // Headscale (self-hosted control server) and tailnet path health: src/topology/tailscale (the key: RIGMAP_HEADSCALE_API_KEY, never a flag).
  { key: 'headscaleApiBase', flag: '--headscale-api-base', env: 'RIGMAP_HEADSCALE_API_BASE', description: 'Headscale server URL for the headscale sync and import, e.g. https://headscale.example.com (empty: no Headscale)', schema: z.union([z.literal(''), z.url({ error: 'must be a URL, e.g. https://headscale.example.com' })]).default('') },
  { key: 'headscaleBaseDomain', flag: '--headscale-base-domain', env: 'RIGMAP_HEADSCALE_BASE_DOMAIN', description: 'Headscale\'s dns.base_domain: MagicDNS names are givenName.<this> (empty: imported without MagicDNS names)', schema: z.string().max(253).default('') },
  { key: 'tailnetRelayedSec', flag: '--tailnet-relayed-sec', env: 'RIGMAP_TAILNET_RELAYED_SEC', description: 'seconds a device\'s tailnet path may stay relayed (DERP or peer relay) before a tailnet_relayed warning', schema: num(1, 86_400).default(30) },
  { key: 'tailnetPingSec', flag: '--tailnet-ping-sec', env: 'RIGMAP_TAILNET_PING_SEC', description: 'seconds between tailscaled disco pings of each tailnet device, when the Local API is configured (0: off)', schema: z.coerce.number({ error: 'must be a number' }).min(0).max(3600, { error: 'must be at most 3600' }).default(60) },
  // Live health (probes, alerts, history): src/topology/probes, alerts, history.
  { key: 'probes', flag: '--probes', env: 'RIGMAP_PROBES', description: 'probe the map and raise alerts: on or off', schema: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on') },
  {
    key: 'probeCidrs', flag: '--probe-cidrs', env: 'RIGMAP_PROBE_CIDRS', description: 'comma-separated CIDR ranges rigmap may probe (empty: every address in the map); others show as outside probe scope',
    schema: z.string().default('').refine((v) => { try { parseProbeScope(v); return true; } catch { return false; } }, { error: 'must be comma-separated CIDR ranges, e.g. 127.0.0.0/8,192.168.1.0/24' }),
  },
  { key: 'probeIntervalMs', flag: '--probe-interval-ms', env: 'RIGMAP_PROBE_INTERVAL_MS', description: 'ms between /status polls of a path (a device\'s probeIntervalMs overrides it)', schema: num(100, 3_600_000).default(5000) },
  { key: 'heartbeatFactor', flag: '--heartbeat-factor', env: 'RIGMAP_HEARTBEAT_FACTOR', description: 'the longest silence, in announced heartbeat intervals, before a path is down (the adaptive detector judges sooner on a steady stream)', schema: num(1.1, 100).default(2.5) },
  { key: 'heartbeatMs', flag: '--heartbeat-ms', env: 'RIGMAP_HEARTBEAT_MS', description: 'heartbeat interval rigmap asks camera nodes for (contract v1.1; a node clamps it and never beats slower than its own rate); 0: whatever the node sends', schema: int(0, 60_000).refine((v) => v === 0 || v >= 50, { error: 'must be 0 (the node decides) or 50-60000' }).default(500) },
  { key: 'failuresToDown', flag: '--failures-to-down', env: 'RIGMAP_FAILURES_TO_DOWN', description: 'failed polls in a row before a path is down (K)', schema: int(1, 100).default(2) },
  { key: 'successesToUp', flag: '--successes-to-up', env: 'RIGMAP_SUCCESSES_TO_UP', description: 'successes in a row before a down path is up (M)', schema: int(1, 100).default(1) },
  { key: 'flapThreshold', flag: '--flap-threshold', env: 'RIGMAP_FLAP_THRESHOLD', description: 'a path changing state more than this many times inside the flap window is flapping (F)', schema: int(1, 1000).default(5) },
  { key: 'flapWindowSec', flag: '--flap-window-sec', env: 'RIGMAP_FLAP_WINDOW_SEC', description: 'the flapping window in seconds (W)', schema: num(1, 86_400).default(120) },
  { key: 'alertHoldMs', flag: '--alert-hold-ms', env: 'RIGMAP_ALERT_HOLD_MS', description: 'ms to wait before raising, so a downed upstream folds the devices behind it', schema: num(0, 600_000).default(1000) },
  { key: 'alertFoldWindowMs', flag: '--alert-fold-window-ms', env: 'RIGMAP_ALERT_FOLD_WINDOW_MS', description: 'paths through one upstream (hotspot, tailnet) lost within this many ms of each other count as lost together, so they fold into one alert', schema: num(500, 60_000).default(3000) },
  { key: 'upstreamProbeTimeoutMs', flag: '--upstream-probe-timeout-ms', env: 'RIGMAP_UPSTREAM_PROBE_TIMEOUT_MS', description: 'timeout of the quick probe of an upstream when paths through it go quiet', schema: num(100, 30_000).default(1000) },
  { key: 'alertSettleMs', flag: '--alert-settle-ms', env: 'RIGMAP_ALERT_SETTLE_MS', description: 'ms a device must stay back before its alert resolves', schema: num(0, 3_600_000).default(5000) },
  { key: 'neverSeenAfterSec', flag: '--never-seen-after-sec', env: 'RIGMAP_NEVER_SEEN_AFTER_SEC', description: 'seconds after start before an expected device that never answered raises an alert (0: off)', schema: num(0, 86_400).default(120) },
  { key: 'batteryLow', flag: '--battery-low', env: 'RIGMAP_BATTERY_LOW', description: 'battery level (0-1) under which a node not charging raises an alert', schema: num(0, 1).default(0.15) },
  { key: 'storageLow', flag: '--storage-low', env: 'RIGMAP_STORAGE_LOW', description: 'free storage share (0-1) under which a node raises an alert', schema: num(0, 1).default(0.1) },
  // Shoot (src/topology/alerts/shoot.ts, takes, rollcall): clocks and runway.
  { key: 'clockOffsetMs', flag: '--clock-offset-ms', env: 'RIGMAP_CLOCK_OFFSET_MS', description: 'a camera whose clock is further off rigmap\'s than this many ms raises clock_offset and fails the roll call (40: a bit over one frame at 30 fps)', schema: num(1, 3_600_000).default(40) },
  { key: 'runwayMinutes', flag: '--runway-minutes', env: 'RIGMAP_RUNWAY_MINUTES', description: 'a recording camera with fewer minutes of storage or battery left raises runway_low and fails the roll call', schema: num(0, 100_000).default(20) },
  // One look (src/topology/look): how cameras are grouped for "one format per group".
  {
    key: 'conformBy', flag: '--conform-by', env: 'RIGMAP_CONFORM_BY', description: 'cameras that must share resolution and frame rate: every camera (role, the default) or the cameras of each tag (tag)',
    schema: z.enum(['role', 'tag'], { error: 'must be role or tag' }).default('role'),
  },
  { key: 'retentionDays', flag: '--retention-days', env: 'RIGMAP_RETENTION_DAYS', description: 'days of health history (transitions, per-minute rollups) kept', schema: num(1, 3650).default(30) },
  { key: 'historyMinuteHours', flag: '--history-minute-hours', env: 'RIGMAP_HISTORY_MINUTE_HOURS', description: 'hours of per-minute health rollups kept; older minutes are compacted to one row per path per hour (the 24 h availability and sparklines read minutes)', schema: num(25, 24 * 3650).default(48) },
  // Fleet (docs/fleet.md): Prometheus and Alertmanager.
  {
    key: 'publicUrl', flag: '--public-url', env: 'RIGMAP_PUBLIC_URL', description: 'the address crews open the dashboard by, for links in notices (Alertmanager generatorURL); empty: the listening address',
    schema: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL (or empty)' })]).default(''),
  },
  { key: 'alertmanagerResendSec', flag: '--alertmanager-resend-sec', env: 'RIGMAP_ALERTMANAGER_RESEND_SEC', description: 'seconds between re-sends of open alerts to Alertmanager notifiers (keep it under Alertmanager\'s resolve_timeout, 5 min by default)', schema: num(1, 3600).default(60) },
  // Discovery (src/topology/discovery): Bonjour browsing while the server runs; scans run on demand.
  {
    key: 'bonjour', flag: '--no-bonjour', env: 'RIGMAP_BONJOUR', description: 'browse Bonjour (_rigcam._tcp) for camera nodes while the server runs: on or off',
    schema: z.union([z.boolean(), z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'], { error: 'must be on or off' })]).default('on')
      .transform((v) => v === true || ['on', 'true', '1', 'yes'].includes(String(v))),
  },
  {
    key: 'mdnsInterface', flag: '--mdns-interface', env: 'RIGMAP_MDNS_INTERFACE', description: 'IPv4 address of the interface mDNS (Bonjour, .local names) uses (empty: the machine\'s default; tests pin 127.0.0.1)',
    schema: z.string().default('').refine((v) => v === '' || ipaddr.IPv4.isValidFourPartDecimal(v), { error: 'must be an IPv4 address of this machine, e.g. 192.168.1.20 (or empty)' }),
  },
  // Access (src/topology/access, src/server/auth.ts): who may do what.
  {
    key: 'auth', flag: '--auth', env: 'RIGMAP_AUTH', description: 'require sign-in: auto (on unless --host is loopback), on, or off (only allowed on a loopback --host)',
    schema: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }).default('auto'),
  },
  {
    key: 'tailscaleRoles', flag: '--tailscale-roles', env: 'RIGMAP_TAILSCALE_ROLES', description: 'Tailscale identities signed in by role, e.g. "alice@example.com=admin,tag:producer=operator"',
    schema: z.string().default('').refine((v) => { try { parseTailscaleRoles(v); return true; } catch { return false; } }, { error: 'must be login=role or tag:name=role pairs, role viewer, operator or admin' }),
  },
  {
    key: 'trustTailscaleServe', flag: '--trust-tailscale-serve', env: 'RIGMAP_TRUST_TAILSCALE_SERVE', description: 'believe the Tailscale-User-Login headers `tailscale serve` adds, on requests from loopback: on only when tailscale serve is what connects to rigmap over loopback (off: the headers are ignored and such requests sign in)',
    schema: z.union([z.boolean(), z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'], { error: 'must be on or off' })]).default('off')
      .transform((v) => v === true || ['on', 'true', '1', 'yes'].includes(String(v))),
  },
  { key: 'sessionHours', flag: '--session-hours', env: 'RIGMAP_SESSION_HOURS', description: 'hours a dashboard sign-in lasts', schema: num(0.01, 24 * 30).default(12) },
  {
    key: 'allowedHosts', flag: '--allowed-hosts', env: 'RIGMAP_ALLOWED_HOSTS', description: 'comma-separated host names (besides localhost, 127.x, ::1 and --host) rigmap answers by while it is open without sign-in, e.g. "rig-mac.local"; guards against DNS rebinding',
    schema: z.string().default('').transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)),
  },
  // Live preview relay (src/topology/preview/hub.ts).
  { key: 'previewMaxStreams', flag: '--preview-max-streams', env: 'RIGMAP_PREVIEW_MAX_STREAMS', description: 'live previews relayed at once to viewers who cannot reach a node (all nodes together); one more is refused', schema: int(0, 1000).default(32) },
  { key: 'previewMaxStreamsPerCaller', flag: '--preview-max-streams-per-caller', env: 'RIGMAP_PREVIEW_MAX_STREAMS_PER_CALLER', description: 'live previews one caller (a login or API token, else an address) may hold at once, so one client cannot take every slot; the board\'s single-frame polls never count', schema: int(1, 1000).default(6) },
  // Reach relay streams (src/topology/relay/stream-slots.ts).
  { key: 'relayMaxStreams', flag: '--relay-max-streams', env: 'RIGMAP_RELAY_MAX_STREAMS', description: 'reach-relay answers streamed at once (all callers together); one more is refused with 503', schema: int(1, 10_000).default(64) },
  { key: 'relayMaxStreamsPerCaller', flag: '--relay-max-streams-per-caller', env: 'RIGMAP_RELAY_MAX_STREAMS_PER_CALLER', description: 'reach-relay answers one caller (a login or API token, else an address) may stream at once; one more is refused with 503', schema: int(1, 10_000).default(8) },
  // Phone previews (src/topology/preview/phone/): the Blackmagic Camera app livestreams to rigmap over SRT on request.
  {
    key: 'phonePreview', flag: '--phone-preview', env: 'RIGMAP_PHONE_PREVIEW', description: 'live pictures from phones running Blackmagic Camera: on-request (rigmap becomes the phone\'s SRT destination while someone watches) or off',
    schema: z.enum(['off', 'on-request'], { error: 'must be off or on-request' }).default('on-request'),
  },
  { key: 'phonePreviewLingerS', flag: '--phone-preview-linger-s', env: 'RIGMAP_PHONE_PREVIEW_LINGER_S', description: 'seconds a phone keeps streaming to rigmap after its last viewer left (then rigmap stops it and restores its destination)', schema: num(0.1, 3600).default(30) },
  {
    key: 'phonePreviewAddress', flag: '--phone-preview-address', env: 'RIGMAP_PHONE_PREVIEW_ADDRESS', description: 'the address of this machine phones send their SRT stream to (empty: the one the system uses toward each phone)',
    schema: z.string().default('').refine((v) => v === '' || ipaddr.isValid(v), { error: 'must be an IP address of this machine (or empty)' }),
  },
  { key: 'ffmpeg', flag: '--ffmpeg', env: 'RIGMAP_FFMPEG', description: 'the ffmpeg (with SRT) that receives phone previews', schema: z.string().min(1, { error: 'must name an ffmpeg binary' }).max(500).default('ffmpeg') },
] as const satisfies readonly ConfigOption[];

/** The resolved settings: one field per CONFIG_OPTIONS row, typed by its schema. */
export type Config = {
  [O in (typeof CONFIG_OPTIONS)[number] as O['key']]: z.output<O['schema']>;
};

/**
 * Resolve the configuration. `flags` holds values given on the command line
 * (keyed by option key; undefined means not given), `env` the environment.
 */
export function loadConfig(flags: Partial<Record<string, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const opt of CONFIG_OPTIONS) {
    const fromFlag = flags[opt.key];
    const raw = fromFlag !== undefined ? fromFlag : env[opt.env] !== undefined && env[opt.env] !== '' ? env[opt.env] : undefined;
    const result = opt.schema.safeParse(raw);
    if (!result.success) {
      const from = fromFlag !== undefined ? opt.flag : opt.env;
      const reason = result.error.issues[0]?.message ?? 'invalid value';
      throw new RigmapError('validation_failed', `bad setting ${from} (${opt.flag} / ${opt.env}): ${reason} (got ${JSON.stringify(raw)})`, {
        problems: [{ field: opt.key, message: reason, value: raw }],
      });
    }
    out[opt.key] = result.data;
  }
  return out as Config;
}
