/**
 * `rigmap discover` (Bonjour, .local names, subnet scan → the Discovered inbox)
 * and `rigmap discovered list|accept|ignore` (the inbox itself).
 */
import type { Command } from 'commander';
import { acceptDiscovered, ignoreDiscovered, listDiscovered } from '../../topology/discovery/inbox.ts';
import { defaultScanCidrs, parseScanRange, type ScanProgress, scanSubnet } from '../../topology/discovery/subnet-scan.ts';
import type { Discovered } from '../../topology/discovery/types.ts';
import { RigmapError } from '../../topology/errors.ts';
import { loadConfig } from '../config.ts';
import { dbOption, formatTable, print, withStore } from './shared.ts';


function table(items: Discovered[]): string {
  if (items.length === 0) return 'nothing discovered';
  return formatTable(
    ['#', 'status', 'node', 'address', 'hostname', 'source', 'device'],
    items.map((d) => [
      String(d.id),
      d.goneAt ? `${d.status} (gone)` : d.status,
      d.nodeId ?? '-',
      `${d.ip ?? '?'}:${d.port}`,
      d.hostname ?? '',
      d.source,
      d.matchedDeviceId ?? `(new: ${d.suggestion.id})`,
    ]),
  );
}

/** `[#######.............] 120/254 hosts, 2 found` on stderr, redrawn in place. */
function drawProgress(p: ScanProgress): void {
  const width = 24;
  const filled = p.total ? Math.round((p.done / p.total) * width) : width;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} hosts, ${p.found} found `);
}

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 600) throw new RigmapError('validation_failed', `--timeout must be a number of seconds from 0.1 to 600 (got ${JSON.stringify(v)})`);
  return n;
};

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description('find camera nodes (Bonjour, .local names, subnet scan) and put them in the Discovered inbox; with no path chosen: Bonjour and the inventory\'s .local names')
    .option('--bonjour', 'browse Bonjour (_rigcam._tcp) for --timeout seconds')
    .option('--hosts <names>', 'resolve these .local names by mDNS and probe each (comma-separated; "inventory" for every .local name in the map)')
    .option('--scan [cidr]', 'scan a range for the contract port (default: this machine\'s LAN ranges)')
    .option('--port <port>', 'contract port for --scan and --hosts (default 8080)')
    .option('--force', 'allow a --scan range wider than /16')
    .option('--timeout <seconds>', 'how long to browse Bonjour / wait for mDNS answers (default 3)', seconds)
    .option('--mdns-interface <ip>', 'interface for mDNS (env RIGMAP_MDNS_INTERFACE, default the machine\'s)')
    .option('--probe-cidrs <list>', 'only contact addresses in these ranges (env RIGMAP_PROBE_CIDRS)')
    .option('--json', 'print what was found as JSON')
    .option(...dbOption)
    .action((opts) =>
      withStore(opts, async (ctx) => {
        const config = loadConfig({ db: opts.db, mdnsInterface: opts.mdnsInterface, probeCidrs: opts.probeCidrs });
        // Bonjour and mDNS are loaded only for this command (see index.ts).
        const [{ BonjourBrowser }, { expectedMdnsHosts, probeMdnsHosts }, { DiscoveryService }] = await Promise.all([
          import('../../topology/discovery/bonjour-browser.ts'), import('../../topology/discovery/mdns-prober.ts'), import('../../topology/discovery/service.ts'),
        ]);
        const service = new DiscoveryService({ bonjour: false, mdnsInterface: config.mdnsInterface, scope: config.probeCidrs });
        const port = opts.port === undefined ? undefined : Number(opts.port);
        if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
          throw new RigmapError('validation_failed', `--port must be 1-65535 (got ${JSON.stringify(opts.port)})`);
        }
        const timeoutMs = (opts.timeout ?? 3) * 1000;
        const none = !opts.bonjour && !opts.hosts && opts.scan === undefined;
        const found = new Map<number, Discovered>();
        const keep = (items: Discovered[]) => items.forEach((d) => found.set(d.id, d));
        const abort = new AbortController();
        const onSigint = () => {
          process.stderr.write('\nrigmap: cancelling…\n');
          abort.abort();
        };
        process.once('SIGINT', onSigint);
        try {
          const tasks: Promise<void>[] = [];
          if (opts.bonjour || none) {
            tasks.push(
              (async () => {
                const before = new Set(listDiscovered({ ctx }).map((d) => `${d.id}|${d.lastSeen}`));
                const browser = new BonjourBrowser({ ctx, iface: service.iface, inScope: service.inScope, recheckMs: 3_600_000 }).start();
                await new Promise<void>((resolve) => {
                  // Real time on purpose (and ref'd: it keeps the command running): how long this one-shot command listens.
                  const t = setTimeout(resolve, timeoutMs);
                  abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
                });
                await browser.stop();
                keep(listDiscovered({ ctx }).filter((d) => d.source === 'bonjour' && !before.has(`${d.id}|${d.lastSeen}`)));
              })(),
            );
          }
          if (opts.hosts || none) {
            const hosts = !opts.hosts || opts.hosts === 'inventory'
              ? expectedMdnsHosts({ ctx }).map((h) => (port ? { ...h, port } : h))
              : String(opts.hosts).split(',').map((h) => h.trim()).filter(Boolean).map((hostname) => ({ hostname, port }));
            tasks.push(
              probeMdnsHosts({ ctx, hosts, iface: service.iface, inScope: service.inScope, timeoutMs }).then((results) => {
                for (const r of results) {
                  keep(r.discovered);
                  if (r.problem) process.stderr.write(`${r.hostname}: ${r.problem}\n`);
                }
              }),
            );
          }
          if (opts.scan !== undefined) {
            const cidrs = opts.scan === true ? defaultScanCidrs() : String(opts.scan).split(',');
            if (cidrs.length === 0) throw new RigmapError('validation_failed', 'this machine has no LAN interface to scan; give a range: --scan 192.168.1.0/24');
            const ranges = cidrs.map((cidr) => parseScanRange({ cidr, force: Boolean(opts.force) }));
            tasks.push(
              scanSubnet({ ctx, ranges, port, inScope: service.inScope, signal: abort.signal, onProgress: drawProgress }).then((r) => {
                process.stderr.write(`\n${r.cancelled ? 'scan cancelled after' : 'scanned'} ${r.done} of ${r.total} hosts of ${ranges.map((x) => x.cidr).join(', ')} in ${(r.durationMs / 1000).toFixed(2)} s: ${r.found} camera node(s)\n`);
                keep(r.discovered);
              }),
            );
          }
          await Promise.all(tasks);
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
        const items = [...found.values()].sort((a, b) => a.id - b.id);
        print(opts.json ? JSON.stringify({ discovered: items }, null, 2) : table(items));
        if (!opts.json && items.some((d) => d.status === 'new')) print('accept one with `rigmap discovered accept #`, or ignore it with `rigmap discovered ignore #`');
      }),
    );

  const inbox = program.command('discovered').description('the Discovered inbox: list, accept or ignore what discovery found');
  inbox
    .command('list', { isDefault: true })
    .description('list the inbox (new first)')
    .option('--status <status>', 'only new, matched, accepted or ignored')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((opts) =>
      withStore(opts, (ctx) => {
        const items = listDiscovered({ ctx, status: opts.status });
        print(opts.json ? JSON.stringify({ discovered: items }, null, 2) : table(items));
      }),
    );
  inbox
    .command('accept <number>')
    .description('add a discovered node to the map (its info prefilled)')
    .option('--id <id>', 'device id (default: from the node id)')
    .option('--role <role>', 'device role (default: from the node, else camera)')
    .option('--name <name>', 'device name (default: the node name)')
    .option(...dbOption)
    .action((num, opts) =>
      withStore(opts, (ctx) => {
        const overrides = Object.fromEntries(Object.entries({ id: opts.id, role: opts.role, name: opts.name }).filter(([, v]) => v !== undefined));
        const { device } = acceptDiscovered({ ctx, id: Number(num), overrides });
        print(`added device ${device.id} (${device.role}) at ${device.addresses.map((a) => a.ip ?? a.hostname).join(', ')}`);
      }),
    );
  inbox
    .command('ignore <number>')
    .description('ignore a discovered node (it stays ignored when seen again)')
    .option(...dbOption)
    .action((num, opts) =>
      withStore(opts, (ctx) => {
        const item = ignoreDiscovered({ ctx, id: Number(num) });
        print(`ignored ${item.nodeId ?? item.ip ?? item.hostname} (#${item.id})`);
      }),
    );
}
