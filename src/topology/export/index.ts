/**
 * Every export format behind one function, so the CLI, the REST API and the
 * dashboard produce the same bytes. Add a format by adding a renderer here.
 *
 * `json` and `csv` are inventory documents (they import back, so they carry no
 * live state); `md`, `mermaid` and `dot` draw the topology and show live state
 * from `health` unless `includeState` is false.
 */
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import { exportInventory } from '../inventory.ts';
import { inventoryToCsv } from '../inventory-csv.ts';
import { getTopology } from '../topology.ts';
import { renderDotView } from './dot.ts';
import { renderMarkdownView } from './markdown.ts';
import { renderMermaidView } from './mermaid.ts';
import { renderPrometheusRules } from './prometheus-rules.ts';
import { buildTopologyView, type DocumentOptions, type TopologyView } from './view.ts';

export type { DocumentOptions, HealthLookup } from './view.ts';

/** A rendered export: its text and how to serve or save it. */
export interface RenderedExport {
  body: string;
  contentType: string;
  extension: string;
}

/** What `renderExport` takes besides the format. */
export interface ExportArgs extends DocumentOptions {
  ctx: Ctx;
}

type Renderer = (args: ExportArgs) => RenderedExport;

const viewOf = ({ ctx, ...options }: ExportArgs): TopologyView => buildTopologyView(getTopology({ ctx }), options);

const renderers: Record<string, Renderer> = {
  json: ({ ctx }) => ({ body: `${JSON.stringify(exportInventory({ ctx }), null, 2)}\n`, contentType: 'application/json; charset=utf-8', extension: 'json' }),
  csv: ({ ctx }) => ({ body: inventoryToCsv(exportInventory({ ctx })), contentType: 'text/csv; charset=utf-8', extension: 'csv' }),
  md: (args) => ({ body: renderMarkdownView(viewOf(args)), contentType: 'text/markdown; charset=utf-8', extension: 'md' }),
  mermaid: (args) => ({ body: renderMermaidView(viewOf(args)), contentType: 'text/vnd.mermaid; charset=utf-8', extension: 'mmd' }),
  dot: (args) => ({ body: renderDotView(viewOf(args)), contentType: 'text/vnd.graphviz; charset=utf-8', extension: 'dot' }),
  'prometheus-rules': () => ({ body: renderPrometheusRules(), contentType: 'application/yaml; charset=utf-8', extension: 'rules.yml' }),
};

/** Other names people type for a format. */
const ALIASES: Record<string, string> = { markdown: 'md', mmd: 'mermaid', gv: 'dot', graphviz: 'dot' };

/** The formats `renderExport` knows. */
export const EXPORT_FORMATS = Object.keys(renderers);

/** Render the map in `format`, or an `unsupported_format` error listing the known ones. */
export function renderExport({ format, ...args }: ExportArgs & { format: string }): RenderedExport {
  const key = format.trim().toLowerCase();
  const render = renderers[ALIASES[key] ?? key];
  if (!render) {
    throw new RigmapError('unsupported_format', `unknown export format "${format}"; use one of ${EXPORT_FORMATS.join(', ')}`, { format });
  }
  return render(args);
}
