/**
 * POST /api/settings (rig-wide settings with read-back) and the preset verbs:
 * GET /api/presets, POST /api/presets (save, from a camera or given settings),
 * POST /api/presets/:name/apply, DELETE /api/presets/:name. Operator; audited.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { systemClock } from '../../topology/clock.ts';
import { RigmapError } from '../../topology/errors.ts';
import { applySettings } from '../../topology/look/apply-settings.ts';
import { SupportedCache } from '../../topology/look/first-read.ts';
import { applyPreset, savePresetFromCamera } from '../../topology/look/preset-verbs.ts';
import { appliedPresets, deletePreset, listPresets, savePreset } from '../../topology/look/presets.ts';
import { parseProbeScope } from '../../topology/probes/scope.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from '../deps.ts';

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Rig-wide settings with read-back, mounted at /api/settings. */
export function settingsRoutes(deps: AppDeps) {
  const scope = parseProbeScope(deps.config.probeCidrs);
  const health = (id: string) => deviceHealthOf(deps)?.(id) ?? null;
  const clock = deps.clock ?? systemClock;
  // What each camera supports, kept between changes of this server (checked again after a reconnect or for another format).
  const supported = new SupportedCache(clock);
  return new Hono<AppEnv>()
    .post('/', async (c) => c.json(await applySettings({ ctx: ctxOf(deps, c), input: await readJson(c), scope, health, clock, supported })));
}

/** The preset verbs, mounted at /api/presets. */
export function presetRoutes(deps: AppDeps) {
  const scope = parseProbeScope(deps.config.probeCidrs);
  const health = (id: string) => deviceHealthOf(deps)?.(id) ?? null;
  const clock = deps.clock ?? systemClock;
  const supported = new SupportedCache(clock);
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const ctx = ctxOf(deps, c);
      const applied = appliedPresets({ ctx });
      return c.json({ presets: listPresets({ ctx }).map((p) => ({ ...p, appliedTo: [...applied].filter(([, n]) => n === p.name).map(([id]) => id) })) });
    })
    .post('/', async (c) => {
      const body = obj(await readJson(c));
      const ctx = ctxOf(deps, c);
      if (typeof body.name !== 'string') throw new RigmapError('validation_failed', 'name: give the preset a name');
      if (typeof body.from === 'string') return c.json({ preset: await savePresetFromCamera({ ctx, name: body.name, deviceId: body.from, scope, health: health(body.from), clock }) }, 201);
      if (body.settings === undefined) throw new RigmapError('validation_failed', 'give "from" (a camera id) or "settings"');
      return c.json({ preset: savePreset({ ctx, name: body.name, settings: body.settings }) }, 201);
    })
    .post('/:name/apply', async (c) => {
      const { timeoutMs, concurrency, ...selection } = obj(await readJson(c));
      return c.json(await applyPreset({
        ctx: ctxOf(deps, c), name: c.req.param('name'), selection, scope, health, clock, supported,
        timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : undefined, concurrency: typeof concurrency === 'number' ? concurrency : undefined,
      }));
    })
    .delete('/:name', (c) => {
      deletePreset({ ctx: ctxOf(deps, c), name: c.req.param('name') });
      return c.body(null, 204);
    });
}
