/** `rigmap import FILE` and `rigmap export`. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RigmapError } from '../../topology/errors.ts';
import { EXPORT_FORMATS, renderExport } from '../../topology/export/index.ts';
import { detectImportFormat, importInventoryText } from '../../topology/import.ts';
import type { ImportReport } from '../../topology/inventory.ts';
import { dbOption, print, withStore } from './shared.ts';


function readInput(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new RigmapError('not_found', e.code === 'ENOENT' ? `cannot read ${file}: no such file` : `cannot read ${file}: ${e.message}`);
  }
}

function summarize(report: ImportReport): string {
  const d = report.devices;
  const verb = report.dryRun ? 'would import' : 'imported';
  const lines = [
    `${verb}: ${d.created.length} device(s) added, ${d.updated.length} changed, ${d.unchanged.length} unchanged; ${report.links.created} link(s) added, ${report.links.unchanged} unchanged`,
  ];
  if (d.created.length) lines.push(`  added:   ${d.created.join(', ')}`);
  if (d.updated.length) lines.push(`  changed: ${d.updated.join(', ')}`);
  if (report.dryRun) lines.push('  (dry run: nothing was written)');
  return lines.join('\n');
}

export function registerInventory(program: Command): void {
  program
    .command('import <file>')
    .description('import an inventory (JSON document or CSV with a header row; "-" reads stdin); all-or-nothing, idempotent by id')
    .option('--format <format>', 'json or csv (default: from the file name, else sniffed)')
    .option('--dry-run', 'show what would change and write nothing')
    .option('--json', 'print the report as JSON')
    .option(...dbOption)
    .action((file, opts) =>
      withStore(opts, (ctx) => {
        const text = readInput(file);
        const format = opts.format ?? detectImportFormat(text, file === '-' ? undefined : file);
        const report = importInventoryText({ ctx, text, format, dryRun: Boolean(opts.dryRun) });
        print(opts.json ? JSON.stringify(report, null, 2) : summarize(report));
      }),
    );

  program
    .command('export')
    .description(`export the map (${EXPORT_FORMATS.join(', ')}) to stdout or a file`)
    .option('--format <format>', EXPORT_FORMATS.join('|'), 'json')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--no-state', 'md, mermaid, dot: leave live state, last seen and the date out (for a document kept in a repo)')
    .option(...dbOption)
    .action((opts) =>
      withStore(opts, (ctx) => {
        // The CLI has no probe engine: live state shows as "unknown", last seen from the stored addresses.
        const out = renderExport({ ctx, format: opts.format, includeState: opts.state !== false });
        if (opts.output) {
          writeFileSync(opts.output, out.body);
          process.stderr.write(`wrote ${opts.output} (${out.body.length} bytes, ${opts.format})\n`);
        } else process.stdout.write(out.body);
      }),
    );
}
