/**
 * `rigmap check`: the roll call before a shoot. By default it probes the map
 * itself (a short-lived probe engine, same rules as the server); with --server it
 * asks a running rigmap instead (signed in with RIGMAP_TOKEN when set). Exit 0 only when every expected device passes.
 */
import type { Command } from 'commander';
import { sleepHeldOn, systemClock, type Clock } from '../../topology/clock.ts';
import { EventBus } from '../../topology/events.ts';
import { presetDriftOf } from '../../topology/look/presets.ts';
import { formatRollCall, type RollCallReport, runRollCall } from '../../topology/rollcall.ts';
import { RigmapError } from '../../topology/errors.ts';
import { openDb } from '../../topology/store/db.ts';
import { loadConfig } from '../config.ts';
import { healthOptionsFromConfig } from '../health-options.ts';
import { dbOption, print, serverFetch } from './shared.ts';

/** How long a first look waits for every path to answer one way or the other. */
const SETTLE_MS = 4000;
/** The command's one clock: the engine's, the settle and --wait deadlines'. Its waits are held (sleepHeldOn): they are what keeps the command running. */
const clock: Clock = systemClock;
const sleep = (ms: number) => sleepHeldOn(clock, ms);

/** A source of roll calls: asked again and again while --wait runs. */
interface RollCallSource {
  take(): Promise<RollCallReport>;
  close(): Promise<void>;
}

async function localSource(opts: { db?: string; probeCidrs?: string; runwayMinutes?: string; clockOffsetMs?: string; conformBy?: string }): Promise<RollCallSource> {
  const config = loadConfig({ db: opts.db, probeCidrs: opts.probeCidrs, runwayMinutes: opts.runwayMinutes, clockOffsetMs: opts.clockOffsetMs, conformBy: opts.conformBy });
  const store = openDb(config.db);
  const ctx = { db: store.db, bus: new EventBus(), actor: 'check' };
  const probes = healthOptionsFromConfig(config).probes;
  const { ProbeEngine } = await import('../../topology/probes/engine.ts'); // loaded only for a local roll call (see index.ts)
  // A roll call wants an answer now: poll every second and call a path down at its first failure.
  const engine = new ProbeEngine({ ctx, clock, options: { ...probes, intervalMs: 1000, failuresToDown: 1, dataVersionPollMs: 0, staggerMs: 200 } });
  engine.start();
  const deadline = clock.now() + SETTLE_MS;
  while (clock.now() < deadline && engine.allHealth().some((h) => h.paths.some((p) => p.state === 'unknown'))) await sleep(100);
  const options = { batteryLow: config.batteryLow, storageLow: config.storageLow, clockOffsetMs: config.clockOffsetMs, runwayMinutes: config.runwayMinutes, conformBy: config.conformBy, presetDrift: presetDriftOf(ctx) };
  return {
    take: async () => runRollCall({ ctx, health: (id) => engine.getDeviceHealth(id), options }),
    close: async () => {
      engine.stop();
      store.close();
    },
  };
}

function serverSource(url: string, conformBy?: string): RollCallSource {
  return {
    take: () => serverFetch<RollCallReport>(url, `/api/check${conformBy ? `?conformBy=${encodeURIComponent(conformBy)}` : ''}`, { signal: AbortSignal.timeout(10_000) }),
    close: async () => {},
  };
}

function progressLine(report: RollCallReport, secondsLeft: number): string {
  const failing = report.devices.filter((d) => !d.ok).map((d) => d.id);
  const shown = failing.slice(0, 6).join(', ') + (failing.length > 6 ? ` and ${failing.length - 6} more` : '');
  return `roll call: ${report.summary.passed}/${report.summary.expected} ready; waiting for ${shown} (${secondsLeft} s left)`;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('the roll call before a shoot: every expected device up on its paths, battery, thermal and storage OK; exit 0 only when all pass')
    .option('--json', 'print the report as JSON')
    .option('--wait <seconds>', 're-check until everything passes or this many seconds have gone by')
    .option('--server <url>', 'ask a running rigmap (e.g. http://127.0.0.1:4747; token in RIGMAP_TOKEN) instead of probing from here')
    .option('--probe-cidrs <list>', 'CIDR ranges that may be probed (env RIGMAP_PROBE_CIDRS; default everything)')
    .option('--runway-minutes <n>', 'fail a recording camera with fewer minutes of storage or battery left (env RIGMAP_RUNWAY_MINUTES, default 20)')
    .option('--clock-offset-ms <ms>', 'fail a camera whose clock is further off (env RIGMAP_CLOCK_OFFSET_MS, default 40)')
    .option('--conform-by <role|tag>', 'cameras that must share resolution and frame rate: all cameras (role, default) or those of each tag (env RIGMAP_CONFORM_BY)')
    .option(...dbOption)
    .action(async (opts) => {
      const waitSec = opts.wait === undefined ? 0 : Number(opts.wait);
      if (!Number.isFinite(waitSec) || waitSec < 0) throw new RigmapError('validation_failed', `--wait must be a number of seconds (got "${opts.wait}")`);
      const source = opts.server ? serverSource(opts.server, opts.conformBy) : await localSource(opts);
      try {
        const deadline = clock.now() + waitSec * 1000;
        let report = await source.take();
        let last = '';
        while (!report.ok && clock.now() < deadline) {
          const line = progressLine(report, Math.ceil((deadline - clock.now()) / 1000));
          // A terminal gets one line rewritten in place; a log gets a line only when it changes.
          if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
          else if (line.replace(/\(\d+ s left\)/, '') !== last) process.stderr.write(`${line}\n`);
          last = line.replace(/\(\d+ s left\)/, '');
          await sleep(1000);
          report = await source.take();
        }
        if (process.stderr.isTTY && last) process.stderr.write('\r\x1b[2K');
        print(opts.json ? JSON.stringify(report, null, 2) : formatRollCall(report));
        if (!report.ok) process.exitCode = 1;
      } finally {
        await source.close();
      }
    });
}
