/**
 * GET /api/devices/:id/preview.mjpeg: a node's live preview relayed for a
 * viewer who cannot reach the node. Thin: validate `fps`, join the preview hub
 * (src/topology/preview/hub.ts: one node connection shared by every viewer,
 * bounded memory per viewer, a cap on streams), stream it. The node is opened
 * by the reach relay's own rules (openRelay: registered service, probe scope,
 * best path first, no redirects).
 */
import { type Context, Hono } from 'hono';
import type { AppEnv } from './app-env.ts';
import { getDevice } from '../topology/devices.ts';
import { RigmapError } from '../topology/errors.ts';
import { HUB_UPSTREAM, PreviewHub } from '../topology/preview/hub.ts';
import { parseProbeScope } from '../topology/probes/scope.ts';
import { cameraNodeService } from '../topology/relay/paths.ts';
import { openRelay, RELAY_LIMITS } from '../topology/relay/relay.ts';
import type { SelfAddress } from '../topology/relay/self.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from './deps.ts';
import { selfAddressOf } from './relay.ts';

/**
 * The ports rigmap was reached on, per hub: the hub opens nodes outside any
 * request, yet must refuse rigmap itself as a node (see relay/self.ts), and
 * under `--port 0` the listening port is only known from a request.
 */
const selfPortsOf = new WeakMap<PreviewHub, Set<number>>();

/** The preview hub of an app, built from its config; the routes share it. */
export function createPreviewHub(deps: AppDeps): PreviewHub {
  const scope = parseProbeScope(deps.config.probeCidrs);
  const ports = new Set<number>();
  const self = (): SelfAddress => ({ host: deps.config.host, ports: [...new Set([deps.config.port, ...ports])].filter((p) => p > 0) });
  const hub = new PreviewHub({
    maxStreams: deps.config.previewMaxStreams,
    onError: (deviceId, err) => deps.logger?.warn({ deviceId, error: err.message }, 'live preview relay ended'),
    connect: async (deviceId, signal) => {
      const ctx = ctxOf(deps, undefined, 'preview');
      const device = getDevice({ ctx, id: deviceId });
      const service = cameraNodeService(device);
      if (!service) throw new RigmapError('not_found', `${deviceId} runs no camera-node API, so it has no live preview`, { deviceId });
      const health = deviceHealthOf(deps)?.(deviceId) ?? null;
      const head = AbortSignal.any([signal, AbortSignal.timeout(RELAY_LIMITS.headMs)]);
      const opened = await openRelay({
        ctx, deviceId, serviceName: service.name, relayPath: service.path ? '/preview.mjpeg' : '/api/v1/preview.mjpeg',
        query: `?fps=${HUB_UPSTREAM.fps}&width=${HUB_UPSTREAM.width}`, headers: { accept: 'multipart/x-mixed-replace' }, scope, health, signal: head, self: self(),
      });
      return opened.res;
    },
  });
  selfPortsOf.set(hub, ports);
  return hub;
}

export function previewRoutes(deps: AppDeps, hub: PreviewHub) {
  const remember = (c: Context) => { for (const p of selfAddressOf(deps, c).ports) selfPortsOf.get(hub)?.add(p); };
  return new Hono<AppEnv>().get('/:id/preview.jpg', async (c) => {
    remember(c);
    // One frame of the relayed preview: for grids of many cameras, which a browser cannot hold open as streams.
    const frame = await hub.frame(c.req.param('id'));
    return new Response(new Uint8Array(frame), { status: 200, headers: { 'content-type': 'image/jpeg', 'content-length': String(frame.length), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });
  }).get('/:id/preview.mjpeg', async (c) => {
    remember(c);
    const raw = c.req.query('fps');
    const fps = raw === undefined || raw === '' ? HUB_UPSTREAM.fps : Number(raw);
    if (!Number.isFinite(fps) || fps < 0.2 || fps > 30) throw new RigmapError('validation_failed', `fps must be a number from 0.2 to 30 (got ${JSON.stringify(raw)})`);
    const sub = await hub.subscribe(c.req.param('id'), Math.min(fps, HUB_UPSTREAM.fps));
    // The viewer leaving ends its stream (and the node's connection, if it was the last).
    c.req.raw.signal?.addEventListener('abort', () => sub.leave(), { once: true });
    return new Response(sub.stream, {
      status: 200,
      headers: { 'content-type': sub.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no' },
    });
  });
}
