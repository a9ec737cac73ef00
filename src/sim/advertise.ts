/**
 * `--advertise`: publish every simulated camera as `_rigcam._tcp` over mDNS,
 * pinned to loopback so nothing leaves the machine. bonjour-service only
 * announces the machine's real interface addresses, so each service's A record
 * is replaced by the node's simulated LAN address.
 */
import { Bonjour } from 'bonjour-service';
import type { SimNode } from './types.ts';

/** A running advertisement; stop() unpublishes every service. */
export interface Advertising {
  stop(): Promise<void>;
}

/** The TXT record of contract v1. */
export function txtFor(node: SimNode): Record<string, string> {
  return { id: node.id, role: node.role, api: '1', path: '/api/v1' };
}

/** Publish each node; instance name = node name, host = `<id>.local` → its LAN IP. */
export function startAdvertising(nodes: readonly SimNode[], iface = '127.0.0.1'): Advertising {
  const bonjour = new Bonjour({ interface: iface, bind: '0.0.0.0' } as ConstructorParameters<typeof Bonjour>[0]);
  for (const node of nodes) {
    const host = `${node.id}.local`;
    const service = bonjour.publish({ name: node.name, type: 'rigcam', protocol: 'tcp', port: node.port, host, txt: txtFor(node), disableIPv6: true });
    const original = service.records.bind(service);
    service.records = () => [
      ...original().filter((r) => r.type !== 'A' && r.type !== 'AAAA'),
      { name: host, type: 'A', ttl: 120, data: node.lanIp },
    ];
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        bonjour.unpublishAll(() => {
          bonjour.destroy(() => resolve());
        });
      }),
  };
}
