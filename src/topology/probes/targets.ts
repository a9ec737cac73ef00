/** Which paths to probe: every probeable service of a device on each of its addresses. */
import type { Device, Network } from '../model.ts';
import { BLACKMAGIC_PATH, CAMERA_NODE_PATH, cameraProtocolOf } from '../services.ts';
import { isInScope, type ProbeScope } from './scope.ts';

/** How a path is probed. */
export type ProbeKind = 'camera-node' | 'blackmagic' | 'http' | 'tcp';

/** One path: a service on one address. */
export interface ProbeTarget {
  /** Stable key: device|service|network|address|port. */
  key: string;
  deviceId: string;
  network: Network;
  address: string;
  service: string;
  port: number;
  kind: ProbeKind;
  /** For a camera protocol: the API base ("/api/v1", "/control/api/v1"); for http: the path to GET. */
  path: string;
  https: boolean;
  intervalMs: number;
  inScope: boolean;
  /** The device's own heartbeat ask (v1.1), overriding the engine's; 0 asks nothing. */
  heartbeatMs?: number;
}

const TCP_PROTOCOLS = new Set(['tcp', 'rtsp', 'rtmp', 'srt']);

function kindOf(service: Device['services'][number]): ProbeKind | null {
  // The shared rule, so what is probed as a camera is what reach, the relay and group control use as one.
  const camera = cameraProtocolOf(service);
  if (camera) return camera;
  if (service.protocol === 'http' || service.protocol === 'https') return 'http';
  if (TCP_PROTOCOLS.has(service.protocol)) return 'tcp';
  return null; // udp, ndi, other: nothing we can ask without speaking the protocol
}

/** Build the targets of every device; `defaultIntervalMs` unless the device overrides it. */
export function buildTargets({ devices, scope, defaultIntervalMs }: { devices: Device[]; scope: ProbeScope; defaultIntervalMs: number }): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  for (const device of devices) {
    for (const service of device.services) {
      const kind = kindOf(service);
      if (!kind) continue;
      for (const addr of device.addresses) {
        const address = addr.ip ?? addr.hostname;
        if (!address) continue;
        const base = kind === 'camera-node' ? CAMERA_NODE_PATH : kind === 'blackmagic' ? BLACKMAGIC_PATH : null;
        const path = base ? (service.path ?? base).replace(/\/$/, '') : (service.path ?? '/');
        out.push({
          key: `${device.id}|${service.name}|${addr.network}|${address}|${service.port}`,
          deviceId: device.id,
          network: addr.network,
          address,
          service: service.name,
          port: service.port,
          kind,
          path,
          https: service.protocol === 'https',
          intervalMs: device.probeIntervalMs ?? defaultIntervalMs,
          inScope: isInScope(scope, address),
          ...(device.heartbeatMs !== undefined ? { heartbeatMs: device.heartbeatMs } : {}),
        });
      }
    }
  }
  return out;
}

/** host:port as Node prints it in errors ([v6]:port for IPv6). */
export function hostPort(t: Pick<ProbeTarget, 'address' | 'port'>): string {
  return t.address.includes(':') ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;
}

/** Whether a path can keep its runner: everything a probe request depends on (scheme included) is unchanged. */
export function sameProbe(a: ProbeTarget, b: ProbeTarget): boolean {
  return a.intervalMs === b.intervalMs && a.heartbeatMs === b.heartbeatMs && a.kind === b.kind && a.path === b.path && a.inScope === b.inScope && a.https === b.https;
}
