/** `rigmap alert list|ack`: open and recent alerts, acknowledging one. */
import type { Command } from 'commander';
import { acknowledgeAlert, listAlerts } from '../../topology/alerts/store.ts';
import type { Alert } from '../../topology/health-types.ts';
import { dbOption, formatTable, print, withStore } from './shared.ts';


const row = (a: Alert) => [String(a.id), a.severity, a.kind, a.deviceId, a.raisedAt.slice(0, 19).replace('T', ' '), a.resolvedAt ? 'resolved' : a.acknowledgedAt ? `ack by ${a.acknowledgedBy}` : 'open', a.message];

export function registerAlerts(program: Command): void {
  const alert = program.command('alert').description('open and recent alerts (device lost, path lost, battery, …)');
  alert
    .command('list')
    .description('open alerts, then the most recent resolved ones')
    .option('--limit <n>', 'how many resolved alerts to show', '20')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((opts) =>
      withStore(opts, (ctx) => {
        const { open, recent } = listAlerts({ ctx, recentLimit: Number(opts.limit) });
        if (opts.json) return print(JSON.stringify({ open, recent }, null, 2));
        const header = ['id', 'severity', 'kind', 'device', 'raised', 'state', 'message'];
        print(open.length ? formatTable(header, open.map(row)) : 'no open alerts');
        if (recent.length) print(`\nrecent:\n${formatTable(header, recent.map(row))}`);
      }),
    );
  alert
    .command('ack')
    .description('acknowledge an alert (someone is on it)')
    .argument('<id>', 'alert id (see `rigmap alert list`)')
    .option(...dbOption)
    .action((id: string, opts) =>
      withStore(opts, (ctx) => {
        const a = acknowledgeAlert({ ctx, id: Number(id) });
        print(`acknowledged alert ${a.id}: ${a.message}`);
      }),
    );
}
