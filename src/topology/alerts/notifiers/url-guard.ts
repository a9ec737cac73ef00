/**
 * Where rigmap may send an alert notice. A notifier URL is typed by an admin
 * but fetched by the server: it must not reach cloud metadata services or
 * other link-local hosts (in any spelling: 169.254.169.254, 0xa9fea9fe,
 * 2852039166, 0251.0376.0251.0376, [::ffff:a9fe:a9fe] all name the same host),
 * carry credentials (they would be stored and listed in clear), or point at
 * rigmap's own API (a POST from inside rigmap looks local). Kept as one
 * function every notifier kind calls, at creation and again before sending.
 */
import ipaddr from 'ipaddr.js';
import { RigmapError } from '../../errors.ts';
import { isSelfTarget, type NameResolver, type SelfAddress, systemResolve } from '../../relay/self.ts';

export type { NameResolver } from '../../relay/self.ts';

/** Host names of metadata services (besides their addresses below). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);
/** Metadata addresses outside link-local: Alibaba, AWS IPv6, Azure wire server. */
const METADATA_IPS = new Set(['100.100.100.200', 'fd00:ec2::254', '168.63.129.16'].map((a) => ipaddr.parse(a).toNormalizedString()));

const refuse = (message: string, value: string) => new RigmapError('validation_failed', `notifier url ${message}`, { problems: [{ field: 'url', message, value }] });

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), else the address itself. */
function embeddedV4(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() === 'ipv4') return addr;
  const v6 = addr as ipaddr.IPv6;
  const p = v6.parts;
  const fromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (p.slice(0, 6).every((w) => w === 0) && (p[6]! !== 0 || p[7]! > 1)) return fromWords(p[6]!, p[7]!); // ::a.b.c.d
  if (v6.range() === 'rfc6052') return fromWords(p[6]!, p[7]!); // 64:ff9b::a.b.c.d
  if (v6.range() === '6to4') return fromWords(p[1]!, p[2]!); // 2002:AABB:CCDD::
  return v6;
}

/** Why an IP address may not receive notices, or null when it may. */
export function forbiddenAddressReason(address: string): string | null {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return null;
  const addr = embeddedV4(ipaddr.parse(bare));
  const range = addr.range();
  if (range === 'linkLocal') return `points at a link-local address (${addr.toString()}, where cloud metadata services live)`;
  if (METADATA_IPS.has(addr.toNormalizedString())) return `points at a cloud metadata service (${addr.toString()})`;
  if (range === 'unspecified' || range === 'broadcast' || range === 'multicast') return `points at ${addr.toString()}, which is not a host`;
  return null;
}

/**
 * Refuse a notifier URL rigmap must not send to (validation_failed naming
 * the url field). `self`: where rigmap listens, when known.
 */
export function checkNotifierUrl(raw: string, { self }: { self?: SelfAddress } = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('must be an http:// or https:// URL', raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be an http:// or https:// URL', raw);
  if (url.username || url.password) throw refuse('must not hold a user name or password (put a token in the path or query the service gives you)', `${url.protocol}//…@${url.host}`);
  // WHATWG parsing already turned hex, octal and single-number IPv4 into dotted form.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(host)) throw refuse(`points at a cloud metadata service (${host})`, raw);
  const why = forbiddenAddressReason(host);
  if (why) throw refuse(why, raw);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (self && isSelfTarget(self, host, port)) throw refuse(`points at rigmap itself (${url.host}): notices go to another service`, raw);
  return url;
}

/** A URL that passed the guard, and the addresses its host was checked at (connect to one of these, nothing else). */
export interface CheckedTarget {
  url: URL;
  addresses: string[];
}

/**
 * Before sending: the URL again, and every address its host name resolves to
 * (a name can point at 169.254.169.254 or at rigmap itself as well as a literal
 * can). Returns the checked addresses: the sender connects to one of them, so a
 * name that answers differently a moment later (DNS rebinding) changes nothing.
 */
export async function checkNotifierTarget(raw: string, opts: { self?: SelfAddress; resolve?: NameResolver } = {}): Promise<CheckedTarget> {
  const url = checkNotifierUrl(raw, opts);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.isValid(host)) return { url, addresses: [host] };
  const found = await (opts.resolve ?? systemResolve)(host).catch(() => []);
  if (found.length === 0) throw new RigmapError('upstream_failed', `notifier host ${host} does not resolve`, { host });
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  for (const { address } of found) {
    const why = forbiddenAddressReason(address);
    if (why) throw refuse(`host ${host} ${why}`, raw);
    // A name for rigmap's own address is rigmap itself as much as the literal is.
    if (opts.self && isSelfTarget(opts.self, address, port)) throw refuse(`host ${host} points at rigmap itself (${address}:${port}): notices go to another service`, raw);
  }
  return { url, addresses: found.map((a) => a.address) };
}
