/**
 * Discovery over REST: the Discovered inbox (list, accept, ignore), subnet
 * scans (start, progress, cancel) and the mDNS hostname prober.
 */
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { acceptDiscovered, acceptOverridesSchema, ignoreDiscovered, listDiscovered } from '../../topology/discovery/inbox.ts';
import type { DiscoveryService } from '../../topology/discovery/service.ts';
import { DISCOVERED_STATUSES } from '../../topology/discovery/types.ts';
import { parseOrThrow } from '../../topology/errors.ts';
import { decodeJson } from '../../topology/inventory.ts';
import { portSchema } from '../../topology/model.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

const idParam = z.coerce.number({ error: 'must be a number' }).int().positive();
const listQuery = z.object({ status: z.enum(DISCOVERED_STATUSES, { error: () => `must be one of ${DISCOVERED_STATUSES.join(', ')}` }).optional() });
const scanBody = z.strictObject({
  cidr: z.union([z.string().min(1), z.array(z.string().min(1)).max(16)]).optional(),
  port: portSchema.optional(),
  force: z.boolean({ error: 'must be true or false' }).optional(),
});
const hostsBody = z.strictObject({
  hosts: z
    .array(z.union([z.string().min(1), z.strictObject({ hostname: z.string().min(1), port: portSchema.optional(), apiPath: z.string().optional() })]))
    .max(1000)
    .optional(),
  port: portSchema.optional(),
  timeoutMs: z.number().int().min(100).max(30_000).optional(),
});

/** An empty body counts as `{}` (a scan of this machine's LAN, a probe of the inventory's names). */
async function readOptionalJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  return text.trim() === '' ? {} : decodeJson(text, 'the request body');
}

/** /api/discovered: the inbox. The service is built by the wiring (main.ts, or buildApp for a bare test app). */
export function discoveredRoutes(deps: AppDeps, service: DiscoveryService) {
  return new Hono<AppEnv>()
    .get('/', documented({ summary: 'The Discovered inbox', query: listQuery }), (c) => {
      const { status } = parseOrThrow(listQuery, c.req.query(), 'filter');
      return c.json({ discovered: listDiscovered({ ctx: ctxOf(deps, c), status }), bonjour: { browsing: service.browsing } });
    })
    .post('/:id/accept', documented({ summary: 'Accept a discovered device into the map (an empty body takes it as found)', body: acceptOverridesSchema }), async (c) => {
      const id = parseOrThrow(idParam, c.req.param('id'), 'id');
      return c.json(acceptDiscovered({ ctx: ctxOf(deps, c), id, overrides: await readOptionalJson(c) }), 201);
    })
    .post('/:id/ignore', (c) => {
      const id = parseOrThrow(idParam, c.req.param('id'), 'id');
      return c.json(ignoreDiscovered({ ctx: ctxOf(deps, c), id }));
    });
}

/** /api/discovery: subnet scans and the mDNS host prober. */
export function discoveryRoutes(deps: AppDeps, service: DiscoveryService) {
  return new Hono<AppEnv>()
    .post('/scan', documented({ summary: 'Start a subnet scan', body: scanBody }), async (c) => {
      const body = parseOrThrow(scanBody, await readOptionalJson(c), 'scan');
      return c.json(service.scans.start({ ctx: ctxOf(deps, c, 'scan'), cidr: body.cidr, port: body.port, force: body.force }), 202);
    })
    .get('/scans', (c) => c.json({ scans: service.scans.list() }))
    .get('/scans/:id', (c) => c.json(service.scans.get(c.req.param('id'))))
    .delete('/scans/:id', async (c) => c.json(await service.scans.cancel(c.req.param('id'))))
    .post('/hosts', documented({ summary: 'Probe host names over mDNS', body: hostsBody }), async (c) => {
      const body = parseOrThrow(hostsBody, await readOptionalJson(c), 'hosts');
      const hosts = body.hosts?.map((h) => (typeof h === 'string' ? { hostname: h, port: body.port } : { port: body.port, ...h }));
      return c.json({ results: await service.probeHosts({ ctx: ctxOf(deps, c, 'mdns'), hosts, timeoutMs: body.timeoutMs }) });
    })
    .post('/bonjour/refresh', (c) => {
      service.refreshBonjour();
      return c.json({ browsing: service.browsing });
    });
}
