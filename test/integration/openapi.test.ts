/**
 * GET /api/openapi.json: the OpenAPI document lists every route the server
 * answers (and nothing else), and its bodies and queries are the zod schemas the
 * routes and verbs validate with, not a copy. Probe scope 127.54.1.0/24, a
 * Tailscale API on a closed loopback port: building the app contacts nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { openApiPath } from '../../src/server/openapi.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { commandInputSchema } from '../../src/topology/commands/fan-out.ts';
import { DiscoveryService } from '../../src/topology/discovery/service.ts';
import { EventBus } from '../../src/topology/events.ts';
import { deviceInputSchema, inventorySchema } from '../../src/topology/model.ts';
import { openDb, type OpenDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';

type Op = { requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: { in: string; name: string; required?: boolean }[] };
type Doc = { openapi: string; info: { title: string }; paths: Record<string, Record<string, Op>> };

let store: OpenDb;
let cleanup: () => void;
let discovery: DiscoveryService;
let app: ReturnType<typeof buildApp>;
let viewer: string;

beforeAll(() => {
  const tmp = makeTempDir('rigmap-openapi-');
  cleanup = tmp.cleanup;
  store = openDb(join(tmp.dir, 'rigmap.db'));
  const bus = new EventBus();
  const config = loadConfig({
    db: store.path, port: 0, probeCidrs: '127.54.1.0/24', mdnsInterface: '127.0.0.1', auth: 'on', logLevel: 'silent',
    tailscaleApiBase: 'http://127.54.1.1:9', tailscaleSocket: join(tmp.dir, 'no-tailscaled.sock'), bonjour: false, probes: 'off',
  }, {});
  discovery = new DiscoveryService({ bonjour: false, mdnsInterface: config.mdnsInterface, scope: config.probeCidrs });
  app = buildApp({ db: store.db, bus, config, discovery });
  viewer = `Bearer ${createToken({ ctx: { db: store.db, bus, actor: 'test' }, input: { name: 'openapi-viewer', role: 'viewer' } }).secret}`;
});
afterAll(async () => {
  await discovery?.stop();
  store?.close();
  cleanup?.();
});

const fetchDoc = async () => {
  const res = await app.request('/api/openapi.json', { headers: { authorization: viewer } });
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
};
/** Every route the app answers (method + path as registered), the dashboard bundle and middleware aside. */
const answered = () => new Set(app.routes.filter((r) => r.method !== 'ALL' && r.path !== '/*').map((r) => `${r.method} ${openApiPath(r.path)}`));
const documentedOps = (doc: Doc) => new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));

describe('the OpenAPI document', () => {
  it('is served to a viewer, not to an anonymous caller', async () => {
    expect((await app.request('/api/openapi.json')).status).toBe(401);
    const doc = await fetchDoc();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('rigmap REST API');
  });

  it('lists every route the server answers, and only those', async () => {
    const doc = await fetchDoc();
    const routes = answered();
    expect(routes.size).toBeGreaterThan(50);
    expect([...routes].filter((r) => !documentedOps(doc).has(r))).toEqual([]);
    expect([...documentedOps(doc)].filter((r) => !routes.has(r))).toEqual([]);
    expect(routes.has('GET /api/openapi.json')).toBe(true);
  });

  it('describes bodies and queries with the very schemas the verbs validate with', async () => {
    const doc = await fetchDoc();
    const jsonBody = (method: string, path: string) => doc.paths[path]![method]!.requestBody!.content['application/json']!.schema;
    const asInput = (s: z.ZodType) => JSON.parse(JSON.stringify(z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })));
    const strip = (s: unknown) => {
      const { $schema: _s, ...rest } = s as Record<string, unknown>;
      return rest;
    };
    expect(strip(jsonBody('post', '/api/devices'))).toEqual(strip(asInput(deviceInputSchema)));
    expect(strip(jsonBody('post', '/api/commands'))).toEqual(strip(asInput(commandInputSchema)));
    expect(strip(jsonBody('post', '/api/import'))).toEqual(strip(asInput(inventorySchema)));
    expect(Object.keys(doc.paths['/api/import']!.post!.requestBody!.content)).toEqual(['application/json', 'text/csv']);
    const query = (path: string) => doc.paths[path]!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    expect(query('/api/devices')).toEqual(['role', 'tag', 'network']);
    expect(query('/api/devices/{id}/health')).toEqual(['minutes', 'transitions']);
    expect(doc.paths['/api/devices/{id}']!.get!.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true })]);
  });

  it('is linked from docs/api.md', () => {
    expect(readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8')).toMatch(/`GET \/api\/openapi\.json`/);
  });
});
