/**
 * Subnet scanner: every host of an IPv4 range, tried on the contract port with
 * bounded concurrency and short timeouts, fingerprinted by /api/v1/info. Ranges
 * wider than /16 (65,536 hosts) are refused unless forced.
 */
import { setMaxListeners } from 'node:events';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import { fingerprintNode, isPortOpen } from './fingerprint.ts';
import { fetchPhoneProduct, PHONE_API_PATH, PHONE_PORT, phoneInfoFromProduct } from './phone.ts';
import { recordDiscovery } from './inbox.ts';
import type { Discovered } from './types.ts';

/** The camera-node contract's default port. */
export const CONTRACT_PORT = 8080;
/** The longest stretch of skipping out-of-scope hosts before the event loop gets a turn. */
const SKIP_SLICE_MS = 10;
/** The widest range scanned without `force`. */
export const MAX_PREFIX_UNFORCED = 16;

/** A parsed IPv4 range: its first and last host as 32-bit numbers. */
export interface ScanRange {
  cidr: string;
  first: number;
  last: number;
  size: number;
}

const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Parse a CIDR into the hosts to try (network and broadcast addresses skipped on /30 and wider). */
export function parseScanRange({ cidr, force = false }: { cidr: string; force?: boolean }): ScanRange {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr.trim());
  } catch {
    throw new RigmapError('validation_failed', `"${cidr}" is not a CIDR range (e.g. 192.168.1.0/24)`, {
      problems: [{ field: 'cidr', message: 'not a CIDR range', value: cidr }],
    });
  }
  const [addr, bits] = parsed;
  if (addr.kind() !== 'ipv4') {
    throw new RigmapError('validation_failed', `"${cidr}" is an IPv6 range; only IPv4 ranges can be scanned (IPv6 subnets are too large)`, {
      problems: [{ field: 'cidr', message: 'must be an IPv4 range', value: cidr }],
    });
  }
  if (bits < MAX_PREFIX_UNFORCED && !force) {
    throw new RigmapError('validation_failed', `"${cidr}" has ${(2 ** (32 - bits)).toLocaleString('en')} addresses; ranges wider than /${MAX_PREFIX_UNFORCED} are refused unless forced (--force, or "force": true)`, {
      problems: [{ field: 'cidr', message: `wider than /${MAX_PREFIX_UNFORCED}`, value: cidr }],
    });
  }
  const size = 2 ** (32 - bits);
  const network = (addr.toByteArray().reduce((n, b) => n * 256 + b, 0) >>> 0) - ((addr.toByteArray().reduce((n, b) => n * 256 + b, 0) >>> 0) % size);
  const [first, last] = size > 2 ? [network + 1, network + size - 2] : [network, network + size - 1];
  return { cidr: `${toIp(network)}/${bits}`, first, last, size: last - first + 1 };
}

/**
 * The LAN ranges of this machine's interfaces (non-internal IPv4). A range wider
 * than /16 is narrowed to the /24 around the machine's own address.
 */
export function defaultScanCidrs(): string[] {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || a.family !== 'IPv4' || !a.cidr) continue;
      const bits = Number(a.cidr.split('/')[1]);
      out.add(parseScanRange({ cidr: bits < MAX_PREFIX_UNFORCED ? `${a.address}/24` : a.cidr, force: true }).cidr);
    }
  }
  return [...out];
}

/** Progress of a scan, as the CLI bar and the dashboard show it. */
export interface ScanProgress {
  total: number;
  done: number;
  found: number;
}

/** Options of one scan. */
export interface SubnetScanOptions {
  ctx: Ctx;
  ranges: ScanRange[];
  port?: number;
  /** Hosts tried at once (default 128). */
  concurrency?: number;
  connectTimeoutMs?: number;
  infoTimeoutMs?: number;
  /** Addresses outside it are skipped (the probe scope); default: everything. */
  inScope?: (ip: string) => boolean;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
}

/** What a finished (or cancelled) scan found. */
export interface SubnetScanResult extends ScanProgress {
  discovered: Discovered[];
  cancelled: boolean;
  durationMs: number;
}

function* hostsOf(ranges: ScanRange[]): Generator<string> {
  for (const r of ranges) for (let n = r.first; n <= r.last; n++) yield toIp(n >>> 0);
}

/** Scan the ranges; every camera node that answers lands in the inbox as a `scan` finding. */
export async function scanSubnet(opts: SubnetScanOptions): Promise<SubnetScanResult> {
  const started = performance.now();
  const port = opts.port ?? CONTRACT_PORT;
  const total = opts.ranges.reduce((n, r) => n + r.size, 0);
  const progress: ScanProgress = { total, done: 0, found: 0 };
  const discovered: Discovered[] = [];
  let lastReport = 0;
  const report = (force = false) => {
    const t = performance.now();
    // Progress at most every 50 ms: a /16 would otherwise call back 65,536 times.
    if (force || t - lastReport >= 50) {
      lastReport = t;
      opts.onProgress?.({ ...progress });
    }
  };
  report(true);
  const concurrency = Math.max(1, opts.concurrency ?? 128);
  // Every host in flight listens on the one cancel signal.
  if (opts.signal) setMaxListeners(concurrency * 2 + 16, opts.signal);
  // A fixed pool of workers pulls addresses one at a time from one generator:
  // memory stays O(concurrency) for any range (a /8 is 16.7 million hosts,
  // which p-limit's map would first turn into an array of promises).
  const hosts = hostsOf(opts.ranges);
  // Out-of-scope hosts resolve without I/O, so workers skipping them never yield on
  // their own: after SKIP_SLICE_MS of that, every worker waits for one shared turn of
  // the event loop (one turn for all, not one each), or a forced /8 starves requests.
  let sliceStart = performance.now();
  let nextTurn: Promise<void> | null = null;
  const yieldTurn = () =>
    (nextTurn ??= new Promise<void>((resolve) => setImmediate(() => {
      nextTurn = null;
      sliceStart = performance.now();
      resolve();
    })));
  const worker = async () => {
    for (let next = hosts.next(); !next.done && !opts.signal?.aborted; next = hosts.next()) {
      const ip = next.value;
      if (!opts.inScope || opts.inScope(ip)) {
        await tryHost(ip);
      } else if (nextTurn || performance.now() - sliceStart >= SKIP_SLICE_MS) {
        await yieldTurn();
      }
      progress.done++;
      report();
    }
  };
  const tryHost = async (ip: string) => {
    // On the Blackmagic Camera app's port, a phone is recognised by its HTTPS product answer.
    if (port === PHONE_PORT) {
      if (!(await isPortOpen({ ip, port, timeoutMs: opts.connectTimeoutMs ?? 400, signal: opts.signal }))) return;
      const product = await fetchPhoneProduct({ ip, port, timeoutMs: opts.infoTimeoutMs ?? 1500 });
      if (product && !opts.signal?.aborted) {
        discovered.push(recordDiscovery({ ctx: opts.ctx, finding: { source: 'scan', ip, hostname: null, port, apiPath: PHONE_API_PATH, info: phoneInfoFromProduct(ip, product) } }));
        progress.found++;
      }
      return;
    }
    const info = await fingerprintNode({
      ip,
      port,
      connectTimeoutMs: opts.connectTimeoutMs ?? 400,
      infoTimeoutMs: opts.infoTimeoutMs ?? 1500,
      signal: opts.signal,
    });
    if (info && !opts.signal?.aborted) {
      discovered.push(recordDiscovery({ ctx: opts.ctx, finding: { source: 'scan', ip, hostname: null, port, info } }));
      progress.found++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  report(true);
  return { ...progress, discovered, cancelled: Boolean(opts.signal?.aborted), durationMs: performance.now() - started };
}
