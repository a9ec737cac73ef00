/**
 * What the document formats (markdown, mermaid, dot) draw, computed once from the
 * map: devices sorted by id with their live state, network members, links and
 * counts. Everything here is sorted, so the same map gives the same bytes; the
 * only time-varying parts (state, last seen, the date) are left out when
 * `includeState` is false, for a document kept in a repo.
 */
import type { DeviceHealth, DeviceState } from '../health-types.ts';
import { type Device, type Link, type Network, NETWORKS, ROLES, type Role, type Topology } from '../model.ts';

/** Live health of a device by id; the probe engine provides one, exports work without. */
export type HealthLookup = (deviceId: string) => DeviceHealth | undefined;

/** Options every document format takes. */
export interface DocumentOptions {
  /** Live state per device; without it every device is "unknown". */
  health?: HealthLookup | undefined;
  /** False leaves state, last seen and the date out entirely. Default true. */
  includeState?: boolean | undefined;
  /** The document's date (tests pass a fixed one). Default: now. */
  now?: Date | undefined;
}

/** The state values in the order summaries list them. */
export const STATE_ORDER: readonly DeviceState[] = ['up', 'degraded', 'flapping', 'app_closed', 'down', 'unknown'];

/** Display names of the two networks, as the dashboard shows them. */
export const NETWORK_TITLES: Record<Network, string> = { lan: 'LAN', tailscale: 'Tailnet' };

/** One device as the documents show it. */
export interface DeviceView {
  device: Device;
  lanIps: string[];
  lanHostnames: string[];
  tailscaleIps: string[];
  /** MagicDNS names (the tailscale addresses' hostnames). */
  magicDns: string[];
  /** `camera-node http:8080/api/v1`, sorted by service name. */
  services: string[];
  state: DeviceState;
  /** ISO time, or null when never seen. */
  lastSeen: string | null;
}

/** One device's attachment to one network, with the addresses it has there. */
export interface NetworkMember {
  deviceId: string;
  ips: string[];
  hostnames: string[];
}

/** Everything a document format needs, sorted. */
export interface TopologyView {
  rigName: string;
  includeState: boolean;
  /** ISO time of the document, or null without state. */
  generatedAt: string | null;
  devices: DeviceView[];
  byId: Map<string, DeviceView>;
  links: Link[];
  networks: Array<{ id: Network; title: string; members: NetworkMember[] }>;
  roleCounts: Array<{ role: Role; count: number }>;
  stateCounts: Array<{ state: DeviceState; count: number }>;
}

const uniqueSorted = (list: Array<string | null>): string[] => [...new Set(list.filter((v): v is string => Boolean(v)))].sort();

/** The latest of the addresses' lastSeen times (ISO strings compare in time order). */
function latestSeen(device: Device): string | null {
  const times = device.addresses.map((a) => a.lastSeen).filter((t): t is string => Boolean(t)).sort();
  return times.at(-1) ?? null;
}

function viewDevice(device: Device, health: HealthLookup | undefined): DeviceView {
  const on = (n: Network) => device.addresses.filter((a) => a.network === n);
  const live = health?.(device.id);
  return {
    device,
    lanIps: uniqueSorted(on('lan').map((a) => a.ip)),
    lanHostnames: uniqueSorted(on('lan').map((a) => a.hostname)),
    tailscaleIps: uniqueSorted(on('tailscale').map((a) => a.ip)),
    magicDns: uniqueSorted(on('tailscale').map((a) => a.hostname)),
    services: [...device.services]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port))
      .map((s) => `${s.name} ${s.protocol}:${s.port}${s.path ?? ''}`),
    state: live?.state ?? 'unknown',
    lastSeen: live?.lastSeen ?? latestSeen(device),
  };
}

/** Build the view of `topology` that every document format renders. */
export function buildTopologyView(topology: Pick<Topology, 'rig' | 'devices' | 'links'>, options: DocumentOptions = {}): TopologyView {
  const includeState = options.includeState ?? true;
  // Code-unit order (not locale order), so the bytes do not depend on the machine's locale.
  const devices = [...topology.devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((d) => viewDevice(d, includeState ? options.health : undefined));
  const byId = new Map(devices.map((d) => [d.device.id, d]));
  const links = [...topology.links].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.kind, b.kind));
  const networks = NETWORKS.map((id) => ({
    id,
    title: NETWORK_TITLES[id],
    members: devices
      .filter((d) => d.device.addresses.some((a) => a.network === id))
      .map((d) => ({
        deviceId: d.device.id,
        ips: id === 'lan' ? d.lanIps : d.tailscaleIps,
        hostnames: id === 'lan' ? d.lanHostnames : d.magicDns,
      })),
  }));
  const count = <T>(values: readonly T[], pick: (d: DeviceView) => T) =>
    values.map((v) => ({ v, count: devices.filter((d) => pick(d) === v).length })).filter((c) => c.count > 0);
  return {
    rigName: topology.rig.name,
    includeState,
    generatedAt: includeState ? (options.now ?? new Date()).toISOString() : null,
    devices,
    byId,
    links,
    networks,
    roleCounts: count(ROLES, (d) => d.device.role).map(({ v, count: n }) => ({ role: v, count: n })),
    stateCounts: includeState ? count(STATE_ORDER, (d) => d.state).map(({ v, count: n }) => ({ state: v, count: n })) : [],
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `2026-11-23 10:00:00 UTC` from an ISO time; anything unparsable as given. */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
