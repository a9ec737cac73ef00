/**
 * Bonjour for simulated phones, as the Blackmagic Camera app advertises:
 * `_http._tcp` (although it speaks HTTPS), instance name = the device UUID,
 * host `<phone>.local`, port 4444, TXT with device_id / unique id,
 * capabilities=cameraControl, path, ws, camera name, device name, model,
 * version. Pinned to an interface (loopback in tests) like src/sim/advertise.ts.
 */
import { Bonjour } from 'bonjour-service';
import type { Advertising } from '../advertise.ts';
import type { SimNode } from '../types.ts';

/** What one phone advertises. */
export interface PhoneAd {
  node: SimNode;
  uuid: string;
  cameraName: string;
  model: string;
  version: string;
}

/** The TXT record of the app (docs: solid174/obs-bmagicam docs/camera-api.md). */
export function phoneTxt(ad: PhoneAd): Record<string, string> {
  return {
    device_id: ad.uuid, 'unique id': ad.uuid, capabilities: 'cameraControl', path: '/control/api/v1', ws: '/control/api/v1/event/websocket',
    'camera name': ad.cameraName, 'device name': ad.model, model: ad.model, version: ad.version, port: String(ad.node.port), proto: '1.0', txtvers: '1', 'connected device': '',
  };
}

/** Publish each phone on `iface` (default 127.0.0.1); the A record is the phone's LAN address. */
export function advertisePhones(ads: readonly PhoneAd[], iface = '127.0.0.1'): Advertising {
  const bonjour = new Bonjour({ interface: iface, bind: '0.0.0.0' } as ConstructorParameters<typeof Bonjour>[0]);
  for (const ad of ads) {
    const host = `${ad.node.id}.local`;
    const service = bonjour.publish({ name: ad.uuid, type: 'http', protocol: 'tcp', port: ad.node.port, host, txt: phoneTxt(ad), disableIPv6: true });
    const original = service.records.bind(service);
    service.records = () => [...original().filter((r) => r.type !== 'A' && r.type !== 'AAAA'), { name: host, type: 'A', ttl: 120, data: ad.node.lanIp }];
  }
  return { stop: () => new Promise<void>((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve()))) };
}
