/** `rigmap takes`: the takes, per camera start/stop in rigmap's clock, markers and problems; --csv for the editor. */
import type { Command } from 'commander';
import { listTakes, type Take, takesToCsv } from '../../topology/takes/store.ts';
import { dbOption, formatTable, print, serverFetch, withStore } from './shared.ts';

const time = (iso: string | null) => (iso ? iso.slice(11, 23) : '-');

function formatTakes(takes: Take[]): string {
  if (!takes.length) return 'no takes yet';
  return takes.map((t) => {
    const head = `take ${t.id} (${t.startedBy === 'rigmap' ? 'started by rigmap' : 'seen on the cameras'}) ${t.startedAt}${t.stoppedAt ? ` → ${t.stoppedAt}` : ' · running'}${t.targetAt ? ` · target ${t.targetAt}` : ''}`;
    const rows = t.cameras.map((c) => [
      c.deviceId, c.clip ?? '', time(c.startedAt), time(c.stoppedAt), c.offsetMs === null ? '' : String(Math.round(c.offsetMs)),
      String(c.markers.length), [...c.problems.map((p) => p.replace('_', ' ')), c.stopReason ? `(${c.stopReason})` : ''].filter(Boolean).join(', ') || '✔',
    ]);
    return `${head}\n${formatTable(['camera', 'clip', 'start', 'stop', 'clock ms', 'markers', 'problems'], rows)}`;
  }).join('\n\n');
}

export function registerTakes(program: Command): void {
  program.command('takes').description('list takes: per camera its start and stop in rigmap\'s clock, clip, markers and problems (stopped early, never started, clock off)')
    .option('--limit <n>', 'newest takes to show', '20')
    .option('--csv', 'print CSV for the editor (one row per camera per take)')
    .option('--json', 'print JSON')
    .option('--server <url>', 'ask a running rigmap (token in RIGMAP_TOKEN) instead of reading the database')
    .option(...dbOption)
    .action(async (opts) => {
      const limit = Math.max(1, Math.min(1000, Number(opts.limit) || 20));
      const takes = opts.server
        ? (await serverFetch<{ takes: Take[] }>(opts.server, `/api/takes?limit=${limit}`)).takes
        : await withStore(opts, (ctx) => listTakes({ ctx, limit }));
      if (opts.csv) return void process.stdout.write(takesToCsv(takes));
      print(opts.json ? JSON.stringify({ takes }, null, 2) : formatTakes(takes));
    });
}
