/**
 * How `startSimRig` adds simulated iPhones running Blackmagic Camera
 * (`rigmap sim --phones N`): the Blackmagic simulator as a phone variant
 * (HTTPS on 4444 with its own certificate, Connection: close, 501 tally,
 * app-closed and format-change faults), ids phone-01 …, behind the hotspot.
 */
import { createHash } from 'node:crypto';
import { RigmapError } from '../../topology/errors.ts';
import { allocateHosts } from '../addresses.ts';
import { type BlackmagicSet, startBlackmagicSet } from '../blackmagic/set.ts';
import type { DeviceSpec } from '../device.ts';
import { phoneCert } from './cert.ts';
import type { SimStreamFormat } from './srt-caller.ts';

/** The app's port. */
export const PHONE_PORT = 4444;

/** A stable device UUID for a simulated phone id (upper-case, as iOS shows it). */
export function phoneUuid(id: string): string {
  const h = createHash('sha256').update(`rigmap-sim-phone:${id}`).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-A${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Start `count` phones on the addresses after the rig's own and after `skip` more (the Blackmagic cameras). */
export async function addPhones({ count, websocket, specs, skip, lanCidr, tailnetCidr, port = PHONE_PORT, idPrefix, hotspotDown, streamFormat }: {
  count: number; websocket: boolean; specs: DeviceSpec[]; skip: number; lanCidr: string; tailnetCidr: string; port?: number; idPrefix: string; hotspotDown: () => boolean;
  /** The picture a phone told to livestream sends (src/sim/phone/srt-caller.ts). */
  streamFormat?: SimStreamFormat;
}): Promise<BlackmagicSet | null> {
  if (!Number.isInteger(count) || count < 0 || count > 200) throw new RigmapError('validation_failed', `--phones must be a whole number from 0 to 200 (got ${count})`);
  if (count === 0) return null;
  const usedTailnet = specs.filter((s) => s.tailscaleIp).length + skip;
  const lanIps = allocateHosts({ cidr: lanCidr, count: specs.length + skip + count, what: 'LAN range' }).slice(specs.length + skip);
  const tailnetIps = allocateHosts({ cidr: tailnetCidr, count: usedTailnet + count, what: 'tailnet range' }).slice(usedTailnet);
  const hotspot = specs.find((s) => s.role === 'hotspot')?.id ?? null;
  const digits = Math.max(2, String(count).length);
  const idOf = (i: number) => `${idPrefix === 'cam' ? '' : `${idPrefix}-`}phone-${String(i + 1).padStart(digits, '0')}`;
  return startBlackmagicSet({
    lanIps, tailnetIps, port, websocket, uplink: hotspot, uplinkDown: () => (hotspot ? hotspotDown() : false), idOf,
    phone: { uuidOf: (i) => phoneUuid(idOf(i)), tlsOf: phoneCert, streamFormat },
  });
}
