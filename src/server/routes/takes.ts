/** GET /api/takes: the takes (newest first) with per-camera start/stop in rigmap's clock; ?format=csv for the editor. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { parseOrThrow } from '../../topology/errors.ts';
import { listTakes, takesToCsv } from '../../topology/takes/store.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

const querySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  format: z.enum(['json', 'csv'], { error: 'must be json or csv' }).default('json'),
});

export function takeRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', documented({ summary: 'Takes with per-camera start/stop (json or csv)', query: querySchema }), (c) => {
    const q = parseOrThrow(querySchema, c.req.query(), 'query');
    const takes = listTakes({ ctx: ctxOf(deps, c), limit: q.limit });
    if (q.format === 'json') return c.json({ takes });
    return c.body(takesToCsv(takes), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="rigmap-takes.csv"' });
  });
}
