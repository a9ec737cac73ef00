/** Importing inventory text in any supported format (JSON or CSV), by name or by sniffing. */
import type { Ctx } from './context.ts';
import { RigmapError } from './errors.ts';
import { decodeJson, type ImportReport, importInventory } from './inventory.ts';
import { csvToInventory } from './inventory-csv.ts';

export type ImportFormat = 'json' | 'csv';

/** JSON if it starts like JSON, otherwise CSV; a file name's extension wins when known. */
export function detectImportFormat(text: string, fileName?: string): ImportFormat {
  const ext = fileName?.toLowerCase().split('.').pop();
  if (ext === 'json' || ext === 'csv') return ext;
  return /^\s*[[{]/.test(text) ? 'json' : 'csv';
}

/** Import inventory text; all-or-nothing, idempotent by device id. */
export function importInventoryText({ ctx, text, format, dryRun }: { ctx: Ctx; text: string; format?: string; dryRun?: boolean }): ImportReport {
  const fmt = format ?? detectImportFormat(text);
  if (fmt !== 'json' && fmt !== 'csv') {
    throw new RigmapError('unsupported_format', `unknown import format "${fmt}"; use json or csv`, { format: fmt });
  }
  const input = fmt === 'json' ? decodeJson(text, 'the inventory') : csvToInventory(text);
  return importInventory({ ctx, input, dryRun });
}
