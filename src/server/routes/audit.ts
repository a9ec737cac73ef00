/** GET /api/audit: the audit trail, newest first (admin). */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { listAudit } from '../../topology/access/audit.ts';
import { parseOrThrow } from '../../topology/errors.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

const querySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.coerce.number().int().positive().optional(),
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
});

export function auditRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', documented({ summary: 'The audit trail, newest first', query: querySchema }), (c) => {
    const q = parseOrThrow(querySchema, c.req.query(), 'query');
    return c.json({ entries: listAudit({ ctx: ctxOf(deps, c), ...q }) });
  });
}
