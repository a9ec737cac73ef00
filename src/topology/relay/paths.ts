/**
 * Which address to reach a device's registered service on, from this server:
 * only the device's own addresses, only inside the probe scope, only http(s)
 * services, ordered by the probe engine's live health (up first, then not yet
 * known, then down), LAN before Tailscale on a tie.
 */
import ipaddr from 'ipaddr.js';
import type { DeviceHealth, PathState } from '../health-types.ts';
import type { Device, Network, Service } from '../model.ts';
import { isInScope, type ProbeScope } from '../probes/scope.ts';
import type { TrustStore } from '../trust/pins.ts';

/** One way to reach a service: an address on one network. */
export interface NodePath {
  deviceId: string;
  service: string;
  network: Network;
  /** An IP literal (a hostname only when the scope is unlimited). */
  address: string;
  port: number;
  https: boolean;
  /** The service's registered base path ('' or e.g. '/api/v1'), no trailing slash. */
  basePath: string;
  /** Live state from the probe engine, 'unknown' without one. */
  state: PathState;
  /** The pinned-certificate agent of an https path (src/topology/trust/); set by `orderPaths` when given a trust store. */
  tlsAgent?: import('node:https').Agent;
}

const ORDER: Record<PathState, number> = { up: 0, unknown: 1, down: 2, untrusted: 3, out_of_scope: 4 };

/** The service of `device` named `name`, if it is one rigmap can speak to (http/https). */
export function relayableService(device: Device, name: string): Service | undefined {
  const s = device.services.find((x) => x.name === name);
  return s && (s.protocol === 'http' || s.protocol === 'https') ? s : undefined;
}

/** The camera-node API of a device: the shared rule of ../services.ts. */
export { cameraNodeService } from '../services.ts';

/**
 * Every usable path to `service` of `device`, best first. Addresses outside the
 * scope are left out entirely: rigmap never contacts them.
 */
export function orderPaths({ device, service, scope, health, trust }: { device: Device; service: Service; scope: ProbeScope; health?: DeviceHealth | null; trust?: TrustStore }): NodePath[] {
  const out: NodePath[] = [];
  for (const addr of device.addresses) {
    const address = addr.ip ?? (scope.ranges ? null : addr.hostname);
    if (!address) continue;
    if (ipaddr.isValid(address) ? !isInScope(scope, address) : scope.ranges !== null) continue;
    const live = health?.paths.find((p) => p.service === service.name && p.address === address && p.network === addr.network && p.port === service.port);
    out.push({
      deviceId: device.id, service: service.name, network: addr.network, address, port: service.port,
      https: service.protocol === 'https', basePath: (service.path ?? '').replace(/\/+$/, ''), state: live?.state ?? 'unknown',
      ...(trust && service.protocol === 'https' ? { tlsAgent: trust.agent({ deviceId: device.id, service: service.name }) } : {}),
    });
  }
  const netRank = (n: Network) => (n === 'lan' ? 0 : 1);
  return out.sort((a, b) => ORDER[a.state] - ORDER[b.state] || netRank(a.network) - netRank(b.network));
}

/** `http://host:port` of a path (IPv6 in brackets). */
export function originOf(p: Pick<NodePath, 'address' | 'port' | 'https'>): string {
  const host = p.address.includes(':') ? `[${p.address}]` : p.address;
  return `${p.https ? 'https' : 'http'}://${host}:${p.port}`;
}
