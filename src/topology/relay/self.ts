/**
 * Is an address + port rigmap itself? A device registered at rigmap's own
 * address and port would turn the reach relay (and a notifier URL) into a way
 * to call rigmap's admin API from inside rigmap, where the request looks local.
 * rigmap listening on 0.0.0.0 / :: answers on every address of this machine
 * (every 127.x, every interface), so all of those count.
 */
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { systemClock } from '../clock.ts';

/** Where rigmap listens: its --host and the ports it answers on. */
export interface SelfAddress {
  host: string;
  /** The listening port(s): the configured one and the one the request came in on (port 0 picks one). */
  ports: number[];
}

/** An IP literal as compared: IPv4-mapped IPv6 as IPv4, no brackets, no zone. */
export function normalIp(address: string): string | null {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return null;
  return ipaddr.process(bare).toNormalizedString();
}

/** Addresses of this machine's interfaces (cached briefly: they rarely change, and the relay asks often). */
let cache: { at: number; list: Set<string> } | null = null;
function ownAddresses(): Set<string> {
  // A cache lifetime, not a rule: the system clock (nothing here is tested against time).
  const now = systemClock.now();
  if (cache && now - cache.at < 10_000) return cache.list;
  const list = new Set<string>();
  for (const infos of Object.values(networkInterfaces())) for (const i of infos ?? []) {
    const n = normalIp(i.address);
    if (n) list.add(n);
  }
  cache = { at: now, list };
  return list;
}

/**
 * Would connecting to `address`:`port` reach rigmap itself? True when the port
 * is one rigmap listens on and the address is its --host, a loopback address,
 * the unspecified address, a name for this machine (localhost) or, when rigmap
 * listens on every address (or on a host name), any address of this machine.
 */
export function isSelfTarget(self: SelfAddress, address: string, port: number): boolean {
  if (!self.ports.includes(port)) return false;
  const name = address.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || name === self.host.toLowerCase()) return true;
  const ip = normalIp(name);
  if (!ip) return false;
  const range = ipaddr.parse(ip).range();
  if (range === 'loopback' || range === 'unspecified') return true;
  const host = normalIp(self.host);
  if (host === ip) return true;
  // Listening on every address, or on a host name (whichever of this machine's addresses it names): any of ours.
  const anyOfOurs = host === null || ipaddr.parse(host).range() === 'unspecified';
  return anyOfOurs && ownAddresses().has(ip);
}

/** How a host name becomes addresses (tests inject one; the default asks the system resolver). */
export type NameResolver = (host: string) => Promise<Array<{ address: string }>>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS). */
export const systemResolve: NameResolver = (host) => lookup(host, { all: true });

/**
 * As {@link isSelfTarget}, for a host name too: the name itself (localhost,
 * rigmap's --host) or any address it resolves to now. Returns the address that
 * is rigmap (or the name), else null. A name that does not resolve is not rigmap.
 */
export async function resolvesToSelf(self: SelfAddress, host: string, port: number, resolve: NameResolver = systemResolve): Promise<string | null> {
  if (isSelfTarget(self, host, port)) return host;
  if (!self.ports.includes(port) || normalIp(host)) return null;
  const found = await resolve(host.replace(/\.$/, '')).catch(() => []);
  return found.find((a) => isSelfTarget(self, a.address, port))?.address ?? null;
}
