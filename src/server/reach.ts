/**
 * GET /api/viewer and GET /api/reach: which network this viewer comes from and,
 * for every device, the address that opens it from there. Only the request's
 * socket addresses are read here; the classification is src/topology/reach.ts.
 */
import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import { Hono } from 'hono';
import { listDevices } from '../topology/devices.ts';
import { classifyViewer, reachDevice, type ViewerSocket } from '../topology/reach.ts';
import { type AppDeps, ctxOf } from './deps.ts';

type NodeBindings = { incoming?: { socket?: { remoteAddress?: string; localAddress?: string } } };

/** The viewer's socket as @hono/node-server exposes it (absent under `app.request` in tests). */
export function viewerSocketOf(c: Context): ViewerSocket {
  const env = c.env as (NodeBindings & { server?: NodeBindings }) | undefined;
  const socket = (env?.server ?? env)?.incoming?.socket;
  return {
    remote: socket?.remoteAddress ?? null,
    local: socket?.localAddress ?? null,
    tailscaleServe: c.req.header('tailscale-user-login') !== undefined,
  };
}

/** Classify the viewer of this request with the configured tailnet ranges. */
export function viewerOf(deps: AppDeps, c: Context) {
  return classifyViewer({ socket: viewerSocketOf(c), tailnetCidrs: deps.config.tailnetCidrs ?? [] });
}

/** GET /api/viewer: where the caller is viewing from. */
export function viewerRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) => c.json(viewerOf(deps, c)));
}

/** GET /api/reach: per device, the address or relay that works from where the caller is. */
export function reachRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const viewer = viewerOf(deps, c);
      const devices = listDevices({ ctx: ctxOf(deps, c) });
      return c.json({ viewer, devices: Object.fromEntries(devices.map((d) => [d.id, reachDevice({ device: d, viewerNetwork: viewer.network })])) });
    });
}
