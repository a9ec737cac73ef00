/**
 * GET /reach/:device/:service/*: the reach relay. An off-LAN viewer opens a
 * node (status, snapshot, SSE) through rigmap, which asks the node over the
 * path that works from here; POST and PUT (operator role, audited, a capped
 * JSON body) let a producer change the camera through its own API, e.g. a
 * phone's `/transports/0/record` or `/video/iso`. Targets come only from the map (see
 * src/topology/relay/relay.ts), never rigmap itself; answers are capped in size
 * and time and streamed with back-pressure (relay-stream.ts), never follow
 * redirects, and are sandboxed so a node's page can never script the
 * dashboard's origin.
 */
import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { decodeJson } from '../topology/inventory.ts';
import type { SelfAddress } from '../topology/relay/self.ts';
import { parseProbeScope } from '../topology/probes/scope.ts';
import { openRelay, RELAY_LIMITS, relayPathOf, relayQueryOf, rewriteRedirect } from '../topology/relay/relay.ts';
import { relayBodyOf } from './relay-stream.ts';
import { StreamSlots } from '../topology/relay/stream-slots.ts';
import { callerKeyOf } from './caller-key.ts';
import { RigmapError } from '../topology/errors.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from './deps.ts';

/** Headers of a node's answer that are passed on; never Set-Cookie or anything else. */
const PASS_HEADERS = ['content-type', 'content-length', 'cache-control', 'etag', 'last-modified', 'content-encoding'];
/** Headers of the viewer's request that are passed on; never cookies or credentials. */
const FORWARD_HEADERS = ['accept', 'last-event-id', 'if-none-match', 'if-modified-since'];

/** Statuses whose answer has no body (the Fetch spec's null body statuses, 101 aside). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** Node responses are documents of another party: no script, no plugins, no framing, in a sandbox. */
export const RELAY_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'; frame-ancestors 'none'";

type NodeBindings = { incoming?: { socket?: { localPort?: number } }; outgoing?: { destroy(): void } };

/** Where this rigmap listens: --host, the configured port and the port this request came in on (port 0 picks one). */
export function selfAddressOf(deps: AppDeps, c: Context): SelfAddress {
  const env = c.env as (NodeBindings & { server?: NodeBindings }) | undefined;
  const localPort = (env?.server ?? env)?.incoming?.socket?.localPort;
  const ports = [deps.config.port, localPort].filter((p): p is number => typeof p === 'number' && p > 0);
  return { host: deps.config.host, ports };
}

/** Cut the viewer's connection (under a Node server; undefined under app.request). */
export function viewerAbortOf(c: Context): (() => void) | undefined {
  const env = c.env as (NodeBindings & { server?: NodeBindings }) | undefined;
  const outgoing = (env?.server ?? env)?.outgoing;
  return outgoing ? () => outgoing.destroy() : undefined;
}

export function relayRoutes(deps: AppDeps) {
  const scope = parseProbeScope(deps.config.probeCidrs);
  const limits = { ...RELAY_LIMITS, ...deps.relayLimits };
  // Every relayed answer holds a node connection while its viewer keeps it: capped in total and per caller.
  const slots = new StreamSlots(deps.config.relayMaxStreams, deps.config.relayMaxStreamsPerCaller);
  const writeBody = bodyLimit({
    maxSize: limits.maxWriteBytes,
    onError: () => {
      throw new RigmapError('payload_too_large', `a relayed write carries at most ${limits.maxWriteBytes / 1024} KiB of JSON`);
    },
  });
  const relay = async (c: Context<AppEnv, '/:device/:service/*'>) => {
    const method = c.req.method === 'POST' || c.req.method === 'PUT' ? c.req.method : 'GET';
    // A write's body is the operator's JSON for the camera, checked before anything is contacted.
    let body: string | undefined;
    if (method !== 'GET') {
      const text = await c.req.text();
      if (text.trim() !== '') {
        decodeJson(text, 'the relayed body');
        body = text;
      }
    }
    const deviceId = c.req.param('device');
    const serviceName = c.req.param('service');
    const url = new URL(c.req.url);
    // The raw, still-encoded segments after /reach/<device>/<service>/.
    const raw = url.pathname.split('/').slice(4);
    const relayPath = relayPathOf(raw);
    const query = relayQueryOf(url.search);
    const headers: Record<string, string> = {};
    for (const name of FORWARD_HEADERS) {
      const v = c.req.header(name);
      if (v) headers[name] = v.slice(0, 1024);
    }
    const release = slots.take(callerKeyOf(c));
    const abort = new AbortController();
    // The viewer leaving cancels the node request too.
    c.req.raw.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    // Real time on purpose: it bounds how long a real node takes to start answering.
    const headTimer = setTimeout(() => abort.abort(), limits.headMs);
    const health = deviceHealthOf(deps)?.(deviceId) ?? null;
    let opened;
    try {
      opened = await openRelay({ ctx: ctxOf(deps, c), deviceId, serviceName, relayPath, query, headers, scope, health, signal: abort.signal, self: selfAddressOf(deps, c), method, body });
    } catch (err) {
      release();
      throw err;
    } finally {
      clearTimeout(headTimer);
    }
    // Released when the node's answer is done with, however it ends (errors below included).
    opened.res.once('close', release);
    const { res } = opened;
    const status = res.statusCode ?? 502;
    const out = new Headers({ 'content-security-policy': RELAY_CSP, 'x-content-type-options': 'nosniff', 'x-rigmap-path': `${opened.path.network} ${opened.path.address}` });
    if (status >= 300 && status < 400 && res.headers.location) {
      res.destroy();
      out.set('location', rewriteRedirect({ location: res.headers.location, opened, deviceId, serviceName }));
      return new Response(null, { status, headers: out });
    }
    const sse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
    const length = Number(res.headers['content-length'] ?? NaN);
    if (!sse && length > limits.maxBytes) {
      res.destroy();
      throw new RigmapError('upstream_failed', `${deviceId} answered ${length} bytes, over the relay's ${limits.maxBytes}-byte limit`);
    }
    // 204/205/304 (a node answering If-None-Match) carry no body, and a Response with one would throw.
    const bodyless = NULL_BODY_STATUSES.has(status) || c.req.method === 'HEAD';
    for (const name of PASS_HEADERS) {
      const v = res.headers[name];
      if (typeof v === 'string' && !((sse || NULL_BODY_STATUSES.has(status)) && name === 'content-length')) out.set(name, v);
    }
    if (bodyless) {
      // Nothing will read the node's answer: let its connection go now.
      res.destroy();
      abort.abort();
      return new Response(null, { status, headers: out });
    }
    if (sse) out.set('x-accel-buffering', 'no');
    const answer = relayBodyOf(res, sse
      ? { maxBytes: limits.streamMaxBytes, idleMs: limits.streamIdleMs, maxMs: limits.streamMaxMs, endCleanlyAtMaxMs: true, bufferBytes: limits.bufferBytes }
      : { maxBytes: limits.maxBytes, idleMs: limits.totalMs, maxMs: limits.totalMs, endCleanlyAtMaxMs: false, bufferBytes: limits.bufferBytes }, () => abort.abort(), viewerAbortOf(c));
    return new Response(answer, { status, headers: out });
  };
  return new Hono<AppEnv>()
    .get('/:device/:service/*', relay)
    .on(['POST', 'PUT'], '/:device/:service/*', writeBody, relay);
}
