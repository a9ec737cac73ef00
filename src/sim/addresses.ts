/** Handing out simulated addresses from a CIDR, first usable host onward. */
import ipaddr from 'ipaddr.js';
import { RigmapError } from '../topology/errors.ts';

/**
 * `count` IPv4 addresses from `cidr`, skipping the network address (and the
 * broadcast address of ranges wider than /31).
 */
export function allocateHosts({ cidr, count, what }: { cidr: string; count: number; what: string }): string[] {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    range = ipaddr.parseCIDR(cidr);
  } catch {
    throw new RigmapError('validation_failed', `${what} "${cidr}" is not a CIDR range (e.g. 127.0.1.0/24)`, { cidr });
  }
  const [addr, bits] = range;
  if (addr.kind() !== 'ipv4') throw new RigmapError('validation_failed', `${what} "${cidr}" must be an IPv4 range`, { cidr });
  const size = 2 ** (32 - bits);
  const base = (addr.toByteArray().reduce((n, b) => n * 256 + b, 0) >>> 0) - ((addr.toByteArray().reduce((n, b) => n * 256 + b, 0) >>> 0) % size);
  const first = size > 2 ? base + 1 : base;
  const usable = size > 2 ? size - 2 : size;
  if (count > usable) {
    throw new RigmapError('validation_failed', `${what} "${cidr}" has room for ${usable} device(s), ${count} needed; use a wider range`, { cidr, count });
  }
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = first + i;
    out.push([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
  }
  return out;
}
