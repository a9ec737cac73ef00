/**
 * /api/tailscale/*: import the tailnet, sync status, path quality; and
 * /api/whoami: who is viewing. Thin: validate → one call → JSON.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { parseOrThrow } from '../../topology/errors.ts';
import { listTailscaleDevices } from '../../topology/tailscale/import.ts';
import type { ImportRequest, TailscaleService } from '../../topology/tailscale/service.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf } from '../deps.ts';
import { viewerOf } from '../viewer.ts';

const importSchema = z.strictObject({
  source: z.enum(['api', 'headscale', 'local', 'status-file'], { error: 'must be one of api, headscale, local, status-file' }),
  dryRun: z.boolean().optional(),
  tailnet: z.string().min(1).max(200).optional(),
  status: z.unknown().optional(),
  apiKey: z.string().min(1).optional(),
  oauthClientId: z.string().min(1).optional(),
  oauthClientSecret: z.string().min(1).optional(),
});

function toImportRequest(body: z.infer<typeof importSchema>): ImportRequest {
  const credentials = body.apiKey
    ? { apiKey: body.apiKey }
    : body.oauthClientId && body.oauthClientSecret
      ? { oauthClientId: body.oauthClientId, oauthClientSecret: body.oauthClientSecret }
      : undefined;
  return { source: body.source, dryRun: body.dryRun, tailnet: body.tailnet, status: body.status, credentials };
}

/** Every Tailscale device with its online flag, last seen and current path (null: unknown). */
function pathsOf(deps: AppDeps, svc: TailscaleService) {
  return listTailscaleDevices(deps.db).map((d) => ({
    deviceId: d.id, nodeId: d.nodeId, online: d.online, lastSeen: d.lastSeen, path: svc.getPathQuality(d.id), tailnet: svc.getTailnetHealth(d.id),
  }));
}

/** `svc` is the wired Tailscale service (main.ts, or app-services.ts for a bare test app). */
export function tailscaleRoutes(deps: AppDeps, tailscale: () => TailscaleService) {
  return new Hono<AppEnv>()
    .post('/import', documented({ summary: 'Import the tailnet (API, Headscale, local tailscaled or a status file)', body: importSchema }), async (c) => {
      const body = parseOrThrow(importSchema, await readJson(c), 'Tailscale import');
      const report = await tailscale().importNow({ ctx: ctxOf(deps, c, 'tailscale-import'), req: toImportRequest(body) });
      return c.json(report);
    })
    .get('/status', (c) => c.json({ ...tailscale().status(), devices: listTailscaleDevices(deps.db) }))
    .get('/paths', documented({ summary: 'Tailscale path quality per device', queryNames: { refresh: '1: ask tailscaled now' } }), async (c) => {
      const svc = tailscale();
      if (['1', 'true', 'yes'].includes(c.req.query('refresh') ?? '')) await svc.refreshPaths();
      return c.json({ updatedAt: svc.paths.updatedAt, paths: pathsOf(deps, svc) });
    })
    .get('/paths/:id', (c) => {
      const svc = tailscale();
      const id = c.req.param('id');
      const found = pathsOf(deps, svc).find((p) => p.deviceId === id);
      return c.json(found ?? { deviceId: id, nodeId: null, online: null, lastSeen: null, path: null });
    });
}

/** GET /api/whoami: the viewer as Tailscale identifies them (serve headers or whois). */
export function whoamiRoutes() {
  return new Hono<AppEnv>().get('/', (c) => {
    const viewer = viewerOf(c);
    return c.json({ viewer, actor: viewer?.login ?? null });
  });
}
