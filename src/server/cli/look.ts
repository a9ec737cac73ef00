/**
 * One look from a terminal: `rigmap set --role camera iso=800 shutter=1/50
 * wb=5600 format=1920x1080p25` (fan-out, then every camera read back), and
 * `rigmap preset save|apply|list|delete`. From this machine over the map's
 * paths, or with --server through a running rigmap (token in RIGMAP_TOKEN).
 */
import type { Command } from 'commander';
import { applySettings, formatSettingsReport } from '../../topology/look/apply-settings.ts';
import { applyPreset, savePresetFromCamera } from '../../topology/look/preset-verbs.ts';
import { appliedPresets, deletePreset, listPresets, savePreset } from '../../topology/look/presets.ts';
import type { SettingsReport } from '../../topology/look/settings-types.ts';
import { parseProbeScope } from '../../topology/probes/scope.ts';
import { loadConfig } from '../config.ts';
import { dbOption, formatTable, print, serverFetch, withStore } from './shared.ts';
import { withAudit } from './users.ts';

interface SelectOpts { role?: string; tag?: string; devices?: string; timeout?: string; concurrency?: string }

function selectionOf(opts: SelectOpts): Record<string, unknown> {
  return {
    ...(opts.role ? { role: opts.role } : {}), ...(opts.tag ? { tag: opts.tag } : {}),
    ...(opts.devices ? { devices: String(opts.devices).split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(opts.timeout ? { timeoutMs: Number(opts.timeout) } : {}), ...(opts.concurrency ? { concurrency: Number(opts.concurrency) } : {}),
  };
}

const post = <T>(server: string, path: string, body: unknown) => serverFetch<T>(server, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const scopeOf = (opts: { db?: string; probeCidrs?: string }) => parseProbeScope(loadConfig({ db: opts.db, probeCidrs: opts.probeCidrs }).probeCidrs);

function show(report: SettingsReport, json: boolean): void {
  print(json ? JSON.stringify(report, null, 2) : formatSettingsReport(report));
  if (report.notApplied) process.exitCode = 1;
}

function selectOptions(cmd: Command): Command {
  return cmd
    .option('--role <role>', 'every camera of this role, e.g. camera')
    .option('--tag <tag>', 'every camera with this tag')
    .option('--devices <ids>', 'comma-separated camera ids')
    .option('--timeout <ms>', 'per-camera deadline in ms (reads, writes and read-back)', '8000')
    .option('--concurrency <n>', 'cameras at once', '64')
    .option('--server <url>', 'go through a running rigmap (token in RIGMAP_TOKEN) instead of from here')
    .option('--probe-cidrs <list>', 'CIDR ranges that may be contacted (env RIGMAP_PROBE_CIDRS; default everything)')
    .option('--json', 'print JSON')
    .option(...dbOption);
}

export function registerLook(program: Command): void {
  selectOptions(program.command('set')
    .description('set format, ISO, shutter, white balance, tint or auto exposure on a group of cameras, then read each back: applied / refused (and why) / not confirmed')
    .argument('<settings...>', 'key=value: format=1920x1080p25 iso=800 shutter=1/50 wb=5600 tint=0 ae=off'))
    .action(async (settings: string[], opts) => {
      const input = { settings, ...selectionOf(opts) };
      const report = opts.server
        ? await post<SettingsReport>(opts.server, '/api/settings', input)
        : await withStore(opts, (ctx) => applySettings({ ctx: withAudit(ctx), input, scope: scopeOf(opts) }));
      show(report, Boolean(opts.json));
    });

  const preset = program.command('preset').description('rig presets: a camera\'s settings saved in the map, applied to a group with read-back');
  preset.command('save').description('save a preset from a camera\'s current settings (--from) or from key=value settings')
    .argument('<name>').argument('[settings...]', 'key=value settings instead of --from')
    .option('--from <id>', 'the camera whose settings to save')
    .option('--server <url>', 'go through a running rigmap').option('--probe-cidrs <list>', 'CIDR ranges that may be contacted').option('--json', 'print JSON').option(...dbOption)
    .action(async (name: string, settings: string[], opts) => {
      const body = opts.from ? { name, from: String(opts.from) } : { name, settings };
      const saved = opts.server
        ? (await post<{ preset: unknown }>(opts.server, '/api/presets', body)).preset
        : await withStore(opts, (ctx) => (opts.from ? savePresetFromCamera({ ctx: withAudit(ctx), name, deviceId: String(opts.from), scope: scopeOf(opts) }) : savePreset({ ctx: withAudit(ctx), name, settings })));
      print(opts.json ? JSON.stringify(saved, null, 2) : `saved preset "${name}": ${Object.entries((saved as { settings: Record<string, unknown> }).settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    });
  selectOptions(preset.command('apply').description('apply a preset to a group of cameras, read back each; the roll call then shows cameras that drift from it').argument('<name>'))
    .action(async (name: string, opts) => {
      const report = opts.server
        ? await post<SettingsReport>(opts.server, `/api/presets/${encodeURIComponent(name)}/apply`, selectionOf(opts))
        : await withStore(opts, (ctx) => applyPreset({ ctx: withAudit(ctx), name, selection: selectionOf(opts), scope: scopeOf(opts) }));
      show(report, Boolean(opts.json));
    });
  preset.command('list').description('the presets in the map and the cameras each was last applied to').option('--json', 'print JSON').option(...dbOption)
    .action(async (opts) => {
      const rows = await withStore(opts, (ctx) => {
        const applied = appliedPresets({ ctx });
        return listPresets({ ctx }).map((p) => ({ ...p, appliedTo: [...applied].filter(([, n]) => n === p.name).map(([id]) => id) }));
      });
      if (opts.json) return print(JSON.stringify(rows, null, 2));
      print(formatTable(['name', 'settings', 'from', 'applied to'], rows.map((p) => [p.name, Object.entries(p.settings).map(([k, v]) => `${k}=${v}`).join(' '), p.fromDevice ?? '', p.appliedTo.join(', ')])));
    });
  preset.command('delete').description('delete a preset').argument('<name>').option(...dbOption)
    .action(async (name: string, opts) => {
      await withStore(opts, (ctx) => deletePreset({ ctx: withAudit(ctx), name }));
      print(`deleted preset "${name}"`);
    });
}
