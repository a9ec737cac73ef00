/**
 * mDNS hostname prober: resolve expected `*.local` names (from the inventory, or
 * given) with multicast A queries, then probe the contract at each answer.
 */
import multicastDns, { type MdnsOptions, type MdnsPacket } from 'multicast-dns';
import type { Ctx } from '../context.ts';
import { loadDevices, normalizeHostname } from '../device-rows.ts';
import { RigmapError } from '../errors.ts';
import { hostnameSchema } from '../model.ts';
import { cameraNodeService } from '../services.ts';
import { fetchNodeInfo } from './fingerprint.ts';
import { recordDiscovery } from './inbox.ts';
import { fetchPhoneProduct, PHONE_API_PATH, PHONE_PORT, phoneInfoFromProduct } from './phone.ts';
import { CONTRACT_PORT } from './subnet-scan.ts';
import type { Discovered } from './types.ts';

/**
 * Socket options for multicast-dns / bonjour-service. With an interface (tests
 * pin 127.0.0.1) queries go out on that interface only; without one, on the
 * machine's default interfaces.
 */
export function mdnsSocketOptions(iface?: string | null): MdnsOptions {
  return iface ? { interface: iface, bind: '0.0.0.0', loopback: true } : { loopback: true };
}

/** `cam-a` → `cam-a.local`; lower-cased, trailing dot dropped. */
export function toLocalName(host: string): string {
  const name = normalizeHostname(host.trim()) ?? '';
  const parsed = hostnameSchema.safeParse(name);
  if (!parsed.success) {
    throw new RigmapError('validation_failed', `"${host}" is not a hostname (e.g. cam-a.local)`, {
      problems: [{ field: 'hosts', message: 'not a hostname', value: host }],
    });
  }
  return name.endsWith('.local') ? name : `${name}.local`;
}

/**
 * Ask the network for the IPv4 addresses of `hosts` (multicast A queries, sent
 * again at 250 ms and 1 s for names still unanswered). Names with no answer
 * within `timeoutMs` map to an empty list.
 */
export function resolveMdnsHostnames({
  hosts,
  iface,
  timeoutMs = 2000,
}: {
  hosts: string[];
  iface?: string | null;
  timeoutMs?: number;
}): Promise<Map<string, string[]>> {
  const names = [...new Set(hosts.map(toLocalName))];
  const answers = new Map<string, Set<string>>(names.map((n) => [n, new Set()]));
  if (names.length === 0) return Promise.resolve(new Map());
  return new Promise((resolve) => {
    const mdns = multicastDns(mdnsSocketOptions(iface));
    const timers: NodeJS.Timeout[] = [];
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      mdns.destroy();
      resolve(new Map([...answers].map(([n, ips]) => [n, [...ips].sort()])));
    };
    const ask = () => {
      const open = names.filter((n) => answers.get(n)?.size === 0);
      if (open.length === 0) return finish();
      mdns.query({ questions: open.map((name) => ({ name, type: 'A' })) });
    };
    mdns.on('response', (packet: MdnsPacket) => {
      for (const rr of [...packet.answers, ...packet.additionals]) {
        const set = answers.get(normalizeHostname(rr.name) ?? '');
        if (rr.type === 'A' && set && typeof rr.data === 'string' && (rr.ttl ?? 1) > 0) set.add(rr.data);
      }
      // Give other responders for the same names a moment, then stop once all are answered.
      // Real time on purpose, as below: these bound one query on a real multicast socket, not a rule.
      if ([...answers.values()].every((s) => s.size > 0)) timers.push(setTimeout(finish, 50));
    });
    // A socket error (no multicast route, port refused) ends the query with what we have.
    mdns.on('error', finish);
    mdns.on('ready', ask);
    // Real time on purpose: re-asks and the deadline of a query on a real socket (a fake clock would never end it).
    timers.push(setTimeout(ask, 250), setTimeout(ask, 1000), setTimeout(finish, timeoutMs));
  });
}

/** One expected name: where to probe the contract. */
export interface ExpectedHost {
  hostname: string;
  port?: number;
  apiPath?: string;
}

/** What the prober found for one name. */
export interface HostProbeResult {
  hostname: string;
  ips: string[];
  discovered: Discovered[];
  /** Why nothing was found, in a crew member's words (null when found). */
  problem: string | null;
}

/** The `.local` names the inventory expects, with each device's camera-node port. */
export function expectedMdnsHosts({ ctx }: { ctx: Ctx }): ExpectedHost[] {
  const out = new Map<string, ExpectedHost>();
  for (const d of loadDevices(ctx.db)) {
    const svc = cameraNodeService(d) ?? d.services.find((s) => s.protocol === 'http');
    for (const a of d.addresses) {
      const host = normalizeHostname(a.hostname);
      if (host?.endsWith('.local')) out.set(host, { hostname: host, port: svc?.port ?? CONTRACT_PORT, apiPath: svc?.path ?? '/api/v1' });
    }
  }
  return [...out.values()];
}

/**
 * Resolve each name by multicast, probe `/api/v1/info` at every answer (inside
 * the scope), and put each camera node found in the inbox as an `mdns` finding.
 */
export async function probeMdnsHosts({
  ctx,
  hosts,
  iface,
  inScope,
  timeoutMs = 2000,
}: {
  ctx: Ctx;
  hosts: ExpectedHost[];
  iface?: string | null;
  inScope?: (ip: string) => boolean;
  timeoutMs?: number;
}): Promise<HostProbeResult[]> {
  const wanted = hosts.map((h) => ({ ...h, hostname: toLocalName(h.hostname) }));
  const resolved = await resolveMdnsHostnames({ hosts: wanted.map((h) => h.hostname), iface, timeoutMs });
  return Promise.all(
    wanted.map(async (h): Promise<HostProbeResult> => {
      const ips = resolved.get(h.hostname) ?? [];
      if (ips.length === 0) return { hostname: h.hostname, ips, discovered: [], problem: 'no answer to the mDNS query (is the node on this network and awake?)' };
      const port = h.port ?? CONTRACT_PORT;
      const discovered: Discovered[] = [];
      const skipped: string[] = [];
      for (const ip of ips) {
        if (inScope && !inScope(ip)) {
          skipped.push(ip);
          continue;
        }
        if (port === PHONE_PORT) {
          // A phone running Blackmagic Camera: recognised by its HTTPS product answer on the app's port.
          const product = await fetchPhoneProduct({ ip, port });
          if (product) discovered.push(recordDiscovery({ ctx, finding: { source: 'mdns', ip, hostname: h.hostname, port, apiPath: PHONE_API_PATH, info: phoneInfoFromProduct(ip, product) } }));
          continue;
        }
        const info = await fetchNodeInfo({ ip, port, apiPath: h.apiPath });
        if (info) discovered.push(recordDiscovery({ ctx, finding: { source: 'mdns', ip, hostname: h.hostname, port, apiPath: h.apiPath, info } }));
      }
      const problem = discovered.length
        ? null
        : skipped.length === ips.length
          ? `resolves to ${ips.join(', ')}, outside the probe scope`
          : `resolves to ${ips.join(', ')} but no camera node answers on port ${port}`;
      return { hostname: h.hostname, ips, discovered, problem };
    }),
  );
}
