/**
 * Who is in a simulated rig and how it is wired: N cameras, plus (by default)
 * the other devices of a shoot: a hotspot every device reaches the LAN
 * through, a console and a relay. Also the rig as an inventory document.
 */
import type { InventoryDocument } from '../topology/model.ts';
import { allocateHosts } from './addresses.ts';
import type { DeviceSpec } from './device.ts';
import { APP_INFO } from './node-http.ts';

/** Layout inputs, already defaulted. */
export interface LayoutOptions {
  nodes: number;
  lanCidr: string;
  tailnetCidr: string;
  extras: boolean;
  idPrefix: string;
}

const EXTRAS = [
  { key: 'hotspot', name: 'Hotspot', role: 'hotspot', model: 'GL.iNet Beryl AX travel router', tailscale: false, linkKind: null },
  { key: 'console', name: 'Console', role: 'console', model: 'MacBook Pro', tailscale: true, linkKind: 'wifi' },
  { key: 'relay', name: 'Relay', role: 'relay', model: 'Mac mini (SRT relay)', tailscale: true, linkKind: 'ethernet' },
] as const;

/** The devices of a rig (cameras first, then extras), port still 0. */
export function buildLayout(o: LayoutOptions): DeviceSpec[] {
  const total = o.nodes + (o.extras ? EXTRAS.length : 0);
  const lan = allocateHosts({ cidr: o.lanCidr, count: total, what: 'LAN range' });
  const tailscaleCount = o.nodes + (o.extras ? EXTRAS.filter((e) => e.tailscale).length : 0);
  const tailnet = allocateHosts({ cidr: o.tailnetCidr, count: tailscaleCount, what: 'tailnet range' });
  const digits = Math.max(2, String(o.nodes).length);
  const label = o.idPrefix.charAt(0).toUpperCase() + o.idPrefix.slice(1);
  const extraId = (key: string) => (o.idPrefix === 'cam' ? key : `${o.idPrefix}-${key}`);
  const hotspotId = o.extras ? extraId('hotspot') : null;
  const specs: DeviceSpec[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const num = String(i + 1).padStart(digits, '0');
    specs.push({
      id: `${o.idPrefix}-${num}`, name: `${label} ${num}`, role: 'camera', index: i, model: APP_INFO.model,
      lanIp: lan[i]!, tailscaleIp: tailnet[i]!, port: 0, uplink: hotspotId, linkKind: hotspotId ? 'wifi' : null,
    });
  }
  if (o.extras) {
    let ts = o.nodes;
    EXTRAS.forEach((e, j) => {
      specs.push({
        id: extraId(e.key), name: e.name, role: e.role, index: o.nodes + j, model: e.model,
        lanIp: lan[o.nodes + j]!, tailscaleIp: e.tailscale ? tailnet[ts++]! : null, port: 0,
        uplink: e.linkKind ? hotspotId : null, linkKind: e.linkKind,
      });
    });
  }
  return specs;
}

/**
 * The rig as an inventory document (DESIGN.md, version 1) that `rigmap import`
 * and `importInventory` load as is.
 */
export function buildManifest(specs: readonly DeviceSpec[], rigName = 'Simulated rig'): InventoryDocument {
  return {
    version: 1,
    rig: { name: rigName },
    devices: specs.map((s) => ({
      id: s.id,
      name: s.name,
      role: s.role as InventoryDocument['devices'][number]['role'],
      model: s.model,
      expected: true,
      addresses: [
        { network: 'lan' as const, ip: s.lanIp, hostname: `${s.id}.local` },
        ...(s.tailscaleIp ? [{ network: 'tailscale' as const, ip: s.tailscaleIp, hostname: `${s.id}.sim.ts.net` }] : []),
      ],
      services: [
        s.role === 'camera'
          ? { name: 'camera-node', protocol: 'http' as const, port: s.port, path: '/api/v1' }
          : { name: 'admin', protocol: 'http' as const, port: s.port, path: '/' },
      ],
      tags: ['sim'],
      notes: 'simulated by rigmap sim',
    })),
    links: specs.filter((s) => s.uplink && s.linkKind).map((s) => ({ from: s.id, to: s.uplink!, kind: s.linkKind! })),
  };
}
