/**
 * Reach: which address of a device works for *this* viewer. A viewer on the
 * tailnet cannot open a LAN address and a viewer on the LAN may have no Tailscale
 * client, so every link that opens a node is built from the viewer's network.
 * Pure functions: the server only extracts the request's addresses.
 */
import ipaddr from 'ipaddr.js';
import { RigmapError } from './errors.ts';
import type { Device, Network } from './model.ts';
import { cameraNodeService } from './services.ts';

/** The ranges Tailscale hands out: CGNAT IPv4 and its ULA IPv6 prefix. */
export const DEFAULT_TAILNET_CIDRS = ['100.64.0.0/10', 'fd7a:115c:a1e0::/48'] as const;

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parse CIDR strings; a bad one is a RigmapError naming it. */
export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((raw) => {
    try {
      return ipaddr.parseCIDR(raw.trim()) as Cidr;
    } catch {
      throw new RigmapError('validation_failed', `"${raw}" is not a CIDR range (e.g. 100.64.0.0/10)`, { problems: [{ field: 'tailnetCidrs', message: 'not a CIDR range', value: raw }] });
    }
  });
}

/** Is `address` inside one of `cidrs`? IPv4-mapped IPv6 ("::ffff:1.2.3.4") counts as IPv4. */
export function isInCidrs({ address, cidrs }: { address: string; cidrs: readonly Cidr[] }): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return cidrs.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
}

/** Is `address` a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x)? Anything else, or nothing, is not. */
export function isLoopback(address: string | undefined | null): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'loopback';
}

/** The network a viewer reaches rigmap through. */
export type ViewerNetwork = Network;

/** Where a request came from, as the server saw its socket. */
export interface ViewerSocket {
  /** The peer's address. */
  remote: string | null;
  /** The server address the viewer connected to. */
  local: string | null;
  /** A `Tailscale-User-Login` header was present (only meaningful from loopback: `tailscale serve`). */
  tailscaleServe?: boolean;
}

/**
 * Classify a viewer. A non-loopback peer is judged by its own address. A loopback
 * peer is either proxied by `tailscale serve` (which adds Tailscale-User-Login) or
 * sits on this host, where Linux reports every peer as 127.0.0.1: the address it
 * dialled (ours on the tailnet, or ours on the LAN) is then what tells them apart.
 */
export function classifyViewer({ socket, tailnetCidrs }: { socket: ViewerSocket; tailnetCidrs: readonly string[] }): { network: ViewerNetwork; address: string | null } {
  const cidrs = parseCidrs([...DEFAULT_TAILNET_CIDRS, ...tailnetCidrs]);
  const remote = socket.remote ?? null;
  if (remote && !isLoopback(remote)) return { network: isInCidrs({ address: remote, cidrs }) ? 'tailscale' : 'lan', address: remote };
  if (socket.tailscaleServe) return { network: 'tailscale', address: remote };
  const local = socket.local ?? null;
  const tailnet = local !== null && isInCidrs({ address: local, cidrs });
  return { network: tailnet ? 'tailscale' : 'lan', address: tailnet ? local : remote };
}

/** One way to open a device: a host on one network and the node's base URL. */
export interface ReachTarget {
  network: Network;
  host: string;
  /** `http://host:port` of the camera-node (or first HTTP) service; null without one. */
  baseUrl: string | null;
}

/** How this viewer opens a device: preferred target, the other network's, and why. */
export interface DeviceReach {
  deviceId: string;
  viewerNetwork: Network;
  preferred: ReachTarget | null;
  other: ReachTarget | null;
  /** Path of the camera-node API under baseUrl, e.g. "/api/v1", when the device has one. */
  apiPath: string | null;
  /** Said when the viewer's own network has no address for this device. */
  note: string | null;
}

const NETWORK_LABEL: Record<Network, string> = { lan: 'LAN', tailscale: 'Tailscale' };

function hostFor(device: Device, network: Network): string | null {
  // An IP works on the tailnet whether or not MagicDNS is on, and on a LAN where
  // .local names may not resolve from a laptop; a name is the fallback.
  const addrs = device.addresses.filter((a) => a.network === network);
  const ip = addrs.find((a) => a.ip)?.ip;
  if (ip) return ip;
  return addrs.find((a) => a.hostname)?.hostname ?? null;
}

function targetFor(device: Device, network: Network): ReachTarget | null {
  const host = hostFor(device, network);
  if (!host) return null;
  const svc = cameraNodeService(device) ?? device.services.find((s) => s.protocol === 'http' || s.protocol === 'https');
  const shown = host.includes(':') ? `[${host}]` : host;
  const scheme = svc?.protocol === 'https' ? 'https' : 'http';
  return { network, host, baseUrl: svc ? `${scheme}://${shown}:${svc.port}` : null };
}

/** The reach of one device for a viewer on `viewerNetwork`. */
export function reachDevice({ device, viewerNetwork }: { device: Device; viewerNetwork: Network }): DeviceReach {
  const otherNetwork: Network = viewerNetwork === 'lan' ? 'tailscale' : 'lan';
  const own = targetFor(device, viewerNetwork);
  const other = targetFor(device, otherNetwork);
  const camera = cameraNodeService(device);
  const apiPath = camera ? (camera.path ?? '/api/v1') : null;
  if (own) return { deviceId: device.id, viewerNetwork, preferred: own, other, apiPath, note: null };
  const note = other
    ? `no ${NETWORK_LABEL[viewerNetwork]} address; using the ${NETWORK_LABEL[otherNetwork]} address, which may not work from here`
    : 'no address known';
  return { deviceId: device.id, viewerNetwork, preferred: other, other: null, apiPath, note };
}
