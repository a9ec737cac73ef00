/** /api/topology, /api/import, /api/export. */
import { Hono } from 'hono';
import { renderExport } from '../../topology/export/index.ts';
import { importInventoryText } from '../../topology/import.ts';
import { getTopology } from '../../topology/topology.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

export function inventoryRoutes(deps: AppDeps) {
  return new Hono()
    .get('/topology', (c) => c.json(getTopology({ ctx: ctxOf(deps, c) })))
    .post('/import', async (c) => {
      // ?format=json|csv, else the Content-Type, else sniffed from the body.
      const type = c.req.header('content-type') ?? '';
      const format = c.req.query('format') ?? (type.includes('csv') ? 'csv' : type.includes('json') ? 'json' : undefined);
      const dryRun = ['1', 'true', 'yes'].includes(c.req.query('dryRun') ?? c.req.query('dry_run') ?? '');
      const report = importInventoryText({ ctx: ctxOf(deps, c, 'import'), text: await c.req.text(), format, dryRun });
      return c.json(report);
    })
    .get('/export', (c) => {
      const out = renderExport({ ctx: ctxOf(deps, c), format: c.req.query('format') ?? 'json' });
      const headers: Record<string, string> = { 'content-type': out.contentType };
      if (c.req.query('download') !== undefined) headers['content-disposition'] = `attachment; filename="rigmap.${out.extension}"`;
      return c.body(out.body, 200, headers);
    });
}
