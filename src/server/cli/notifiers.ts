/** `rigmap notifier add|list|remove|test`: where alerts are sent. */
import type { Command } from 'commander';
import { sendTestNotice } from '../../topology/alerts/notifiers/dispatch.ts';
import { addNotifier, listNotifiers, removeNotifier } from '../../topology/alerts/notifiers/store.ts';
import { RigmapError } from '../../topology/errors.ts';
import { loadConfig } from '../config.ts';
import { dbOption, formatTable, print, withStore } from './shared.ts';


export function registerNotifiers(program: Command): void {
  const notifier = program.command('notifier').description('where alerts are sent: webhook, slack, discord, ntfy, alertmanager');
  notifier
    .command('add')
    .description('add a notifier, e.g. `rigmap notifier add ops --kind slack --url https://hooks.slack.com/services/…`')
    .argument('<name>', 'a name for it')
    .requiredOption('--kind <kind>', 'webhook (generic JSON), slack, discord, ntfy or alertmanager (v2 API)')
    .requiredOption('--url <url>', 'the webhook URL (for ntfy: https://ntfy.sh/<topic>; for alertmanager: its base URL, e.g. http://am:9093)')
    .option('--min-severity <level>', 'only alerts at least this severe: info, warning, critical', 'info')
    .option('--disabled', 'add it switched off')
    .option(...dbOption)
    .action((name: string, opts) =>
      withStore(opts, (ctx) => {
        // rigmap's own address as this environment configures it (RIGMAP_HOST / RIGMAP_PORT): never a notice target.
        const { host, port } = loadConfig({ db: opts.db });
        const n = addNotifier({ ctx, input: { name, kind: opts.kind, url: opts.url, minSeverity: opts.minSeverity, enabled: !opts.disabled }, self: { host, ports: [port] } });
        print(`added notifier ${n.name} (${n.kind}, id ${n.id}); try it with \`rigmap notifier test ${n.name}\``);
      }),
    );
  notifier
    .command('list')
    .description('list notifiers')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((opts) =>
      withStore(opts, (ctx) => {
        const list = listNotifiers({ ctx });
        if (opts.json) return print(JSON.stringify(list, null, 2));
        print(list.length ? formatTable(['id', 'name', 'kind', 'min severity', 'enabled', 'url'], list.map((n) => [String(n.id), n.name, n.kind, n.minSeverity, n.enabled ? 'yes' : 'no', n.url])) : 'no notifiers (add one with `rigmap notifier add`)');
      }),
    );
  notifier
    .command('remove')
    .description('remove a notifier')
    .argument('<name-or-id>')
    .option(...dbOption)
    .action((ref: string, opts) =>
      withStore(opts, (ctx) => {
        const n = removeNotifier({ ctx, ref });
        print(`removed notifier ${n.name}`);
      }),
    );
  notifier
    .command('test')
    .description('send a test notification now and say whether it arrived')
    .argument('<name-or-id>')
    .option(...dbOption)
    .action((ref: string, opts) =>
      withStore(opts, async (ctx) => {
        const r = await sendTestNotice({ ctx, ref });
        if (!r.ok) throw new RigmapError('upstream_failed', `test notification to ${r.notifier} failed: ${r.error}`);
        print(`test notification delivered to ${r.notifier} (HTTP ${r.status})`);
      }),
    );
}
