/**
 * `rigmap command ACTION --role camera|--tag T|--devices a,b`: the console's
 * group control from a terminal. Sends from this machine over the map's paths
 * (LAN first: the CLI has no live health), or with --server asks a running
 * rigmap (token in RIGMAP_TOKEN), which uses the paths its probes see working.
 */
import type { Command } from 'commander';
import { sendCommand } from '../../topology/commands/fan-out.ts';
import { COMMAND_ACTIONS, type CommandReport } from '../../topology/commands/types.ts';
import { parseProbeScope } from '../../topology/probes/scope.ts';
import { loadConfig } from '../config.ts';
import { dbOption, formatTable, print, serverFetch, withStore } from './shared.ts';
import { withAudit } from './users.ts';

function printSync(r: CommandReport): void {
  const s = r.sync!;
  const clipOf = new Map(r.results.map((x) => [x.deviceId, x.clip ?? '']));
  print(formatTable(['device', 'verified', 'started (rigmap clock)', 'error ms', 'clock offset ms', ...(r.slate ? ['clip'] : []), 'why'], s.nodes.map((n) => [
    n.deviceId, n.verified ? '✔ yes' : '✖ no', n.since ?? '', n.errorMs === null ? '' : String(n.errorMs),
    n.offsetMs === null ? '' : `${n.offsetMs} ± ${n.uncertaintyMs}`, ...(r.slate ? [clipOf.get(n.deviceId) ?? ''] : []), n.why ?? '',
  ])));
  print(`\nrecord.start${r.slate ? ` (scene ${r.slate.scene}, take ${r.slate.take})` : ''} at ${s.target}: ${s.verified} of ${s.nodes.length} verified within ${s.toleranceMs} ms${s.spreadMs !== null ? `, start spread ${s.spreadMs} ms` : ''}`);
}

function printReport(r: CommandReport): void {
  if (r.sync) return printSync(r);
  print(formatTable(['device', 'result', 'state', 'path', 'ms', ...(r.slate ? ['clip'] : []), 'error'], r.results.map((x) => [
    x.deviceId, x.ok ? '✔ ok' : x.timedOut ? '✖ timeout' : '✖ failed', x.state ?? '', x.network ? `${x.network} ${x.address}` : '', String(x.ms), ...(r.slate ? [x.clip ?? ''] : []), x.error ?? x.note ?? '',
  ])));
  print(`\n${r.action}${r.slate ? ` (scene ${r.slate.scene}, take ${r.slate.take})` : ''}: ${r.ok} of ${r.total} ok${r.failed ? `, ${r.failed} failed (${r.timedOut} timed out)` : ''}`);
}

function viaServer(server: string, body: unknown): Promise<CommandReport> {
  return serverFetch<CommandReport>(server, '/api/commands', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export function registerCommands(program: Command): void {
  program.command('command').description(`send a contract command (${COMMAND_ACTIONS.join(', ')}) to a group of camera nodes at once`)
    .argument('<action>', COMMAND_ACTIONS.join(' | '))
    .option('--role <role>', 'every device of this role, e.g. camera')
    .option('--tag <tag>', 'every device with this tag')
    .option('--devices <ids>', 'comma-separated device ids')
    .option('--label <text>', 'marker label (marker)')
    .option('--seconds <n>', 'how long to blink (identify)')
    .option('--at <when>', 'record.start: every camera starts at this instant ("+3s", "+500ms" or an ISO time), each in its own clock; read back and verified')
    .option('--clip <name>', 'clip name to record to (record.start; Blackmagic cameras use it as the clip name)')
    .option('--scene <scene>', 'record.start: slate the take: each camera\'s clip is named S<scene>_T<take>_<camera letter>, and Blackmagic cameras get it on their slate')
    .option('--take <n>', 'record.start with --scene: the take number (default: the next one)')
    .option('--timeout <ms>', 'per-node deadline in ms', '5000')
    .option('--concurrency <n>', 'nodes at once', '16')
    .option('--server <url>', 'ask a running rigmap (token in RIGMAP_TOKEN) instead of sending from here')
    .option('--probe-cidrs <list>', 'CIDR ranges that may be contacted (env RIGMAP_PROBE_CIDRS; default everything)')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action(async (action: string, opts) => {
      const args = action === 'marker' && opts.label ? { label: String(opts.label) } : action === 'identify' && opts.seconds ? { seconds: Number(opts.seconds) } : action === 'record.start' && opts.clip ? { clip: String(opts.clip) } : undefined;
      const input = {
        action, ...(args ? { args } : {}), ...(opts.at ? { at: String(opts.at) } : {}), timeoutMs: Number(opts.timeout), concurrency: Number(opts.concurrency),
        ...(opts.scene ? { slate: { scene: String(opts.scene), ...(opts.take ? { take: Number(opts.take) } : {}) } } : {}),
        ...(opts.role ? { role: opts.role } : {}), ...(opts.tag ? { tag: opts.tag } : {}),
        ...(opts.devices ? { devices: String(opts.devices).split(',').map((s: string) => s.trim()).filter(Boolean) } : {}),
      };
      const report = opts.server
        ? await viaServer(opts.server, input)
        : await withStore(opts, (ctx) => sendCommand({ ctx: withAudit(ctx), input, scope: parseProbeScope(loadConfig({ db: opts.db, probeCidrs: opts.probeCidrs }).probeCidrs) }));
      if (opts.json) print(JSON.stringify(report, null, 2));
      else printReport(report);
      if (report.failed || (report.sync && report.sync.verified < report.sync.nodes.length)) process.exitCode = 1;
    });
}
