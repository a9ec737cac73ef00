/**
 * Every export format behind one function, so the CLI, the REST API and the
 * dashboard produce the same bytes. Add a format by adding a renderer here.
 */
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import { exportInventory } from '../inventory.ts';
import { inventoryToCsv } from '../inventory-csv.ts';

/** A rendered export: its text and how to serve or save it. */
export interface RenderedExport {
  body: string;
  contentType: string;
  extension: string;
}

type Renderer = (args: { ctx: Ctx }) => RenderedExport;

const renderers: Record<string, Renderer> = {
  json: ({ ctx }) => ({ body: `${JSON.stringify(exportInventory({ ctx }), null, 2)}\n`, contentType: 'application/json; charset=utf-8', extension: 'json' }),
  csv: ({ ctx }) => ({ body: inventoryToCsv(exportInventory({ ctx })), contentType: 'text/csv; charset=utf-8', extension: 'csv' }),
};

/** The formats `renderExport` knows. */
export const EXPORT_FORMATS = Object.keys(renderers);

/** Render the map in `format`, or an `unsupported_format` error listing the known ones. */
export function renderExport({ ctx, format }: { ctx: Ctx; format: string }): RenderedExport {
  const render = renderers[format];
  if (!render) {
    throw new RigmapError('unsupported_format', `unknown export format "${format}"; use one of ${EXPORT_FORMATS.join(', ')}`, { format });
  }
  return render({ ctx });
}
