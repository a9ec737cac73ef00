/** /api/topology, /api/import, /api/export. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { RigmapError } from '../../topology/errors.ts';
import { renderExport } from '../../topology/export/index.ts';
import { importInventoryText } from '../../topology/import.ts';
import { inventorySchema } from '../../topology/model.ts';
import { getTopology } from '../../topology/topology.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from '../deps.ts';

/** `?state=` as a yes/no flag (default yes); anything else is refused, naming it. */
function parseStateFlag(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (['', '1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new RigmapError('validation_failed', `state must be 1 or 0 (got "${value}")`, { problems: [{ field: 'state', message: 'must be 1 or 0', value }] });
}

/** GET /api/topology: everything the dashboard draws, in one document. */
export function topologyRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) => c.json(getTopology({ ctx: ctxOf(deps, c), health: deviceHealthOf(deps) })));
}

/** POST /api/import: an inventory document (JSON) or CSV, idempotent by id. */
export function importRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post('/', documented({ summary: 'Import an inventory (JSON document or CSV), idempotent by id', body: inventorySchema, alsoAccepts: ['text/csv'], queryNames: { format: 'json or csv (else the Content-Type, else sniffed)', dryRun: '1: report what would change, write nothing' } }), async (c) => {
      // ?format=json|csv, else the Content-Type, else sniffed from the body.
      const type = c.req.header('content-type') ?? '';
      const format = c.req.query('format') ?? (type.includes('csv') ? 'csv' : type.includes('json') ? 'json' : undefined);
      const dryRun = ['1', 'true', 'yes'].includes(c.req.query('dryRun') ?? c.req.query('dry_run') ?? '');
      const report = importInventoryText({ ctx: ctxOf(deps, c, 'import'), text: await c.req.text(), format, dryRun });
      return c.json(report);
    });
}

/** GET /api/export: the map as JSON, CSV, Markdown, DOT or Mermaid. */
export function exportRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', documented({ summary: 'Export the map (json, csv, md, dot, mermaid)', queryNames: { format: 'json, csv, md, dot or mermaid', state: '0: leave live state and the date out', download: 'present: answer as an attachment' } }), (c) => {
      // ?state=0 leaves live state and the date out (a document kept in a repo).
      const includeState = parseStateFlag(c.req.query('state'));
      const out = renderExport({
        ctx: ctxOf(deps, c),
        format: c.req.query('format') ?? 'json',
        includeState,
        health: deviceHealthOf(deps),
      });
      const headers: Record<string, string> = { 'content-type': out.contentType };
      if (c.req.query('download') !== undefined) headers['content-disposition'] = `attachment; filename="rigmap.${out.extension}"`;
      return c.body(out.body, 200, headers);
    });
}
