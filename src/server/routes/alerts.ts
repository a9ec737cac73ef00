/** /api/alerts: open and recent alerts; acknowledging one. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { acknowledgeAlert, listAlerts } from '../../topology/alerts/store.ts';
import { parseOrThrow } from '../../topology/errors.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

const idSchema = z.coerce.number({ error: 'must be a number' }).int().positive({ error: 'must be a positive alert id' });
const listSchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });

export function alertRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', documented({ summary: 'Open and recent alerts', query: listSchema }), (c) => {
      const q = parseOrThrow(listSchema, c.req.query(), 'query');
      return c.json(listAlerts({ ctx: ctxOf(deps, c), recentLimit: q.limit }));
    })
    .post('/:id/ack', (c) => c.json(acknowledgeAlert({ ctx: ctxOf(deps, c), id: parseOrThrow(idSchema, c.req.param('id'), 'id') })));
}
