/**
 * The OpenAPI document of the REST API, generated (hono-openapi) from the app's
 * own route table and from the very zod schemas the routes and verbs validate
 * with: a route says which schema its body or query follows with `documented()`
 * beside its handler, so the document cannot drift from what is accepted.
 * Served at GET /api/openapi.json; the fuzz test draws its inputs from it.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { describeRoute, generateSpecs, resolver } from 'hono-openapi';
import { z } from 'zod';

type AnySchema = z.ZodType;

/** The API's version in the document (the package's). */
export const API_VERSION = '0.1.0';

/** What a route takes, beside its handler: a JSON body and/or query parameters, each the schema it parses with. */
export interface RouteDoc {
  summary: string;
  /** The schema the JSON body is parsed with. */
  body?: AnySchema;
  /** Other media types the body may also come in (e.g. `text/csv` for an import), as plain strings. */
  alsoAccepts?: string[];
  /** The schema `c.req.query()` is parsed with (a z.object; each key one query parameter). */
  query?: z.ZodObject;
  /** Query parameters read one by one (no schema object): name → description. */
  queryNames?: Record<string, string>;
  tags?: string[];
}

/** One query parameter per key of the schema, typed by that key's own schema. */
function queryParameters(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => ({
    in: 'query' as const,
    name,
    required: !(field as AnySchema).safeParse(undefined).success,
    schema: z.toJSONSchema(field as AnySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
}

/** Middleware that only describes the route in the OpenAPI document (no validation: the verb validates, with its own error codes). */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const parameters = [
    ...(doc.query ? queryParameters(doc.query) : []),
    ...Object.entries(doc.queryNames ?? {}).map(([name, description]) => ({ in: 'query' as const, name, required: false, description, schema: { type: 'string' as const } })),
  ];
  const content = {
    ...(doc.body ? { 'application/json': { schema: resolver(doc.body) } } : {}),
    ...Object.fromEntries((doc.alsoAccepts ?? []).map((media) => [media, { schema: { type: 'string' as const } }])),
  };
  return describeRoute({
    summary: doc.summary,
    ...(doc.tags ? { tags: doc.tags } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
  });
}

/** The path of a hono route as OpenAPI writes it (`/api/devices/:id` → `/api/devices/{id}`). */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Routes that are not the REST API: the dashboard bundle. */
const NOT_API = ['/*'];

/**
 * The document for an app (built once, on first request: the route table does
 * not change after buildApp returns).
 */
export function openApiDocument(app: Hono<never>, version: string): () => Promise<unknown> {
  let doc: Promise<unknown> | null = null;
  return () =>
    (doc ??= generateSpecs(app, {
      documentation: {
        info: { title: 'rigmap REST API', version, description: 'The device map, live health, alerts, discovery, Tailscale and access of one rig. Reference: docs/api.md.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'rigmap_session' } } },
        security: [{ bearer: [] }, { session: [] }],
      },
      includeEmptyPaths: true,
      // Paths with a dot (preview.jpg, openapi.json) are API routes here, not files.
      excludeStaticFile: false,
      exclude: NOT_API,
    }));
}
