/** POST /api/commands: one contract command to a group of nodes (operator). */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { commandInputSchema, sendCommand } from '../../topology/commands/fan-out.ts';
import { parseProbeScope } from '../../topology/probes/scope.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from '../deps.ts';

export function commandRoutes(deps: AppDeps) {
  const scope = parseProbeScope(deps.config.probeCidrs);
  const health = (id: string) => deviceHealthOf(deps)?.(id) ?? null;
  return new Hono<AppEnv>().post('/', documented({ summary: 'Send one contract command to a group of nodes', body: commandInputSchema }), async (c) => c.json(await sendCommand({ ctx: ctxOf(deps, c), input: await readJson(c), scope, health, clocks: deps.healthService?.engine.shoot.clocks, clock: deps.clock })));
}
