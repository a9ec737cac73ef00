/**
 * Probe scope: the CIDRs rigmap may contact. An address outside it is never
 * probed and shows as `out_of_scope`, never as down (tests pin it to 127.0.0.0/8).
 */
import ipaddr from 'ipaddr.js';
import { RigmapError } from '../errors.ts';

/** A parsed scope; `null` ranges means "everything in the map". */
export interface ProbeScope {
  ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> | null;
  text: string;
}

/** Parse "127.0.0.0/8,10.0.0.0/8" (empty or "*" means everything). */
export function parseProbeScope(text: string | undefined | null): ProbeScope {
  const trimmed = (text ?? '').trim();
  if (trimmed === '' || trimmed === '*') return { ranges: null, text: 'everything' };
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const part of trimmed.split(',').map((p) => p.trim()).filter(Boolean)) {
    try {
      ranges.push(part.includes('/') ? ipaddr.parseCIDR(part) : [ipaddr.parse(part), ipaddr.parse(part).kind() === 'ipv4' ? 32 : 128]);
    } catch {
      throw new RigmapError('validation_failed', `"${part}" is not a CIDR range (e.g. 127.0.0.0/8 or 192.168.1.0/24)`, {
        problems: [{ field: 'probeCidrs', message: 'not a CIDR range', value: part }],
      });
    }
  }
  return { ranges, text: trimmed };
}

/**
 * Is `address` inside the scope? A hostname can only be checked once resolved,
 * so with a limited scope a hostname-only address counts as outside it.
 */
export function isInScope(scope: ProbeScope, address: string): boolean {
  if (!scope.ranges) return true;
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return scope.ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match([net, bits] as never));
}
