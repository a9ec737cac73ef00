/** GET /metrics: Prometheus text (404 when health monitoring is not running). */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { RigmapError } from '../../topology/errors.ts';
import type { AppDeps } from '../deps.ts';

export function metricsRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const metrics = deps.healthService?.metrics;
    if (!metrics) throw new RigmapError('not_found', 'metrics are off: the probe engine is not running on this server');
    return c.body(await metrics.text(), 200, { 'content-type': metrics.registry.contentType });
  });
}
