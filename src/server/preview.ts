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
import { systemClock } from '../topology/clock.ts';
import { getDevice } from '../topology/devices.ts';
import { RigmapError } from '../topology/errors.ts';
import { HUB_UPSTREAM, PreviewHub, type PreviewHubOptions } from '../topology/preview/hub.ts';
import { parseProbeScope } from '../topology/probes/scope.ts';
import { cameraNodeService } from '../topology/relay/paths.ts';
import { openRelay, RELAY_LIMITS } from '../topology/relay/relay.ts';
import type { SelfAddress } from '../topology/relay/self.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from './deps.ts';
import { selfAddressOf, viewerAbortOf } from './relay.ts';
import { callerKeyOf } from './caller-key.ts';
import { isLivestreamCamera, PhonePreviews } from '../topology/preview/phone/previews.ts';
import { roleMeets } from '../topology/access/roles.ts';

/**
 * The ports rigmap was reached on, per hub: the hub opens nodes outside any
 * request, yet must refuse rigmap itself as a node (see relay/self.ts), and
 * under `--port 0` the listening port is only known from a request.
 */
const selfPortsOf = new WeakMap<PreviewHub, Set<number>>();
/** The phone previews behind a hub (phones running Blackmagic Camera livestream to rigmap on request). */
const phonesOf = new WeakMap<PreviewHub, PhonePreviews>();

/** The phone previews of a hub made by createPreviewHub (main.ts stops them; routes read them). */
export function phonePreviewsOf(hub: PreviewHub): PhonePreviews | undefined {
  return phonesOf.get(hub);
}

/** The preview hub of an app, built from its config; the routes share it. `tuning`: tests' clock and shorter limits. */
export function createPreviewHub(deps: AppDeps, tuning: Pick<PreviewHubOptions, 'clock' | 'idleMs' | 'stallMs'> = {}): PreviewHub {
  const scope = parseProbeScope(deps.config.probeCidrs);
  const clock = tuning.clock ?? systemClock;
  const ports = new Set<number>();
  const self = (): SelfAddress => ({ host: deps.config.host, ports: [...new Set([deps.config.port, ...ports])].filter((p) => p > 0) });
  const phones = new PhonePreviews({
    mode: deps.config.phonePreview, ffmpeg: deps.config.ffmpeg, listenAddress: deps.config.phonePreviewAddress, ctx: () => ctxOf(deps, undefined, 'preview'),
    scope, health: deviceHealthOf(deps), self, clock: deps.clock ?? systemClock, timing: { lingerMs: deps.config.phonePreviewLingerS * 1000 },
    log: (msg, extra) => deps.logger?.warn(extra ?? {}, msg),
  });
  const hub = new PreviewHub({
    ...tuning,
    maxStreams: deps.config.previewMaxStreams,
    maxPerCaller: deps.config.previewMaxStreamsPerCaller,
    // The hub reports each device's failure causes once: a broken node is one warning, not a storm.
    onError: (deviceId, err) => deps.logger?.warn({ deviceId, error: err.message }, 'live preview relay failed'),
    connect: async (deviceId, signal) => {
      const ctx = ctxOf(deps, undefined, 'preview');
      const device = getDevice({ ctx, id: deviceId });
      const service = cameraNodeService(device);
      // A phone running Blackmagic Camera has no preview endpoint: its pictures come from its livestream.
      if (!service && isLivestreamCamera(device)) return phones.connect(deviceId, signal);
      if (!service) throw new RigmapError('not_found', `${deviceId} runs no camera-node API, so it has no live preview`, { deviceId });
      const health = deviceHealthOf(deps)?.(deviceId) ?? null;
      // The head time-out holds only until the node's answer starts: the stream then lives as long as
      // the hub keeps it (a timeout signal combined with the hub's would cut a healthy stream at 10 s).
      const head = new AbortController();
      signal.addEventListener('abort', () => head.abort(), { once: true });
      const timer = clock.setTimeout(() => head.abort(), RELAY_LIMITS.headMs);
      try {
        const opened = await openRelay({
          ctx, deviceId, serviceName: service.name, relayPath: service.path ? '/preview.mjpeg' : '/api/v1/preview.mjpeg',
          query: `?fps=${HUB_UPSTREAM.fps}&width=${HUB_UPSTREAM.width}`, headers: { accept: 'multipart/x-mixed-replace' }, scope, health, signal: head.signal, self: self(),
        });
        return opened.res;
      } finally {
        clock.clearTimeout(timer);
      }
    },
  });
  selfPortsOf.set(hub, ports);
  phonesOf.set(hub, phones);
  return hub;
}

export function previewRoutes(deps: AppDeps, hub: PreviewHub) {
  const remember = (c: Context) => { for (const p of selfAddressOf(deps, c).ports) selfPortsOf.get(hub)?.add(p); };
  const phones = phonesOf.get(hub);
  /** Starting a phone's preview changes what the phone does (battery, hotspot): operators only; joining a running one is viewing. */
  const mayStart = (c: Context<AppEnv>, id: string) => {
    const caller = c.get('caller');
    if (!phones || !caller || roleMeets(caller.role, 'operator') || phones.running(id)) return;
    const device = getDevice({ ctx: ctxOf(deps, c), id });
    if (!cameraNodeService(device) && isLivestreamCamera(device)) {
      throw new RigmapError('forbidden', `starting the live preview of ${id} makes the phone livestream to rigmap (battery, hotspot bandwidth): it needs the operator role`);
    }
  };
  return new Hono<AppEnv>().get('/:id/preview.jpg', async (c) => {
    remember(c);
    mayStart(c, c.req.param('id'));
    // One frame of the relayed preview: for grids of many cameras, which a browser cannot hold open as streams.
    const frame = await hub.frame(c.req.param('id'));
    // A phone's stream health or state, for the tile (x-preview-note: "reconnecting: …").
    const note = phones?.note(c.req.param('id'));
    return new Response(new Uint8Array(frame), {
      status: 200,
      headers: { 'content-type': 'image/jpeg', 'content-length': String(frame.length), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(note ? { 'x-preview-note': encodeURIComponent(note) } : {}) },
    });
  }).get('/:id/phone-preview', (c) => {
    // A phone's preview: state, stream health (status, bitrate, cache, format) and what it costs.
    const id = c.req.param('id');
    getDevice({ ctx: ctxOf(deps, c), id });
    if (!phones) throw new RigmapError('not_found', 'no phone previews on this rigmap');
    return c.json(phones.view(id));
  }).get('/:id/preview.mjpeg', async (c) => {
    remember(c);
    mayStart(c, c.req.param('id'));
    const raw = c.req.query('fps');
    const fps = raw === undefined || raw === '' ? HUB_UPSTREAM.fps : Number(raw);
    if (!Number.isFinite(fps) || fps < 0.2 || fps > 30) throw new RigmapError('validation_failed', `fps must be a number from 0.2 to 30 (got ${JSON.stringify(raw)})`);
    const sub = await hub.subscribe(c.req.param('id'), Math.min(fps, HUB_UPSTREAM.fps), { key: callerKeyOf(c), abort: viewerAbortOf(c) });
    // The viewer leaving ends its stream (and the node's connection, if it was the last).
    c.req.raw.signal?.addEventListener('abort', () => sub.leave(), { once: true });
    return new Response(sub.stream, {
      status: 200,
      headers: { 'content-type': sub.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no' },
    });
  });
}
