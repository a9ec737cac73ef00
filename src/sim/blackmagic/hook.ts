/** How `startSimRig` adds simulated Blackmagic cameras: addresses after the rig's own, ids bmd-01 …, uplinked to the hotspot. */
import { RigmapError } from '../../topology/errors.ts';
import { allocateHosts } from '../addresses.ts';
import type { DeviceSpec } from '../device.ts';
import { type BlackmagicSet, startBlackmagicSet } from './set.ts';

/** Start `count` Blackmagic cameras beside the rig's devices `specs` (null when count is 0). */
export async function addBlackmagicCameras({ count, websocket, specs, lanCidr, tailnetCidr, port, idPrefix, hotspotDown }: {
  count: number; websocket: boolean; specs: DeviceSpec[]; lanCidr: string; tailnetCidr: string; port: number; idPrefix: string; hotspotDown: () => boolean;
}): Promise<BlackmagicSet | null> {
  if (!Number.isInteger(count) || count < 0 || count > 500) throw new RigmapError('validation_failed', `--blackmagic must be a whole number from 0 to 500 (got ${count})`);
  if (count === 0) return null;
  const usedTailnet = specs.filter((s) => s.tailscaleIp).length;
  const lanIps = allocateHosts({ cidr: lanCidr, count: specs.length + count, what: 'LAN range' }).slice(specs.length);
  const tailnetIps = allocateHosts({ cidr: tailnetCidr, count: usedTailnet + count, what: 'tailnet range' }).slice(usedTailnet);
  const hotspot = specs.find((s) => s.role === 'hotspot')?.id ?? null;
  const digits = Math.max(2, String(count).length);
  return startBlackmagicSet({
    lanIps, tailnetIps, port, websocket, uplink: hotspot, uplinkDown: () => (hotspot ? hotspotDown() : false),
    idOf: (i) => `${idPrefix === 'cam' ? '' : `${idPrefix}-`}bmd-${String(i + 1).padStart(digits, '0')}`,
  });
}
