/** /api/devices: thin routes, one verb each. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { createDevice, getDevice, listDevices, removeDevice, updateDevice } from '../../topology/devices.ts';
import { parseOrThrow } from '../../topology/errors.ts';
import { devicePatchSchema, deviceInputSchema, NETWORKS, ROLES } from '../../topology/model.ts';
import { z } from 'zod';
import { readJson } from '../body.ts';
import { listPins, trustDevice } from '../../topology/trust/verbs.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

const filterSchema = z.object({
  role: z.enum(ROLES).optional(),
  tag: z.string().optional(),
  network: z.enum(NETWORKS).optional(),
});

export function deviceRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', documented({ summary: 'List devices, filtered by role, tag or network', query: filterSchema }), (c) => {
      const filter = parseOrThrow(filterSchema, c.req.query(), 'filter');
      return c.json({ devices: listDevices({ ctx: ctxOf(deps, c), filter }) });
    })
    .post('/', documented({ summary: 'Add a device', body: deviceInputSchema }), async (c) => c.json(createDevice({ ctx: ctxOf(deps, c), input: await readJson(c) }), 201))
    .get('/:id', (c) => c.json(getDevice({ ctx: ctxOf(deps, c), id: c.req.param('id') })))
    .patch('/:id', documented({ summary: 'Change a device (only the fields sent)', body: devicePatchSchema }), async (c) => c.json(updateDevice({ ctx: ctxOf(deps, c), id: c.req.param('id'), patch: await readJson(c) })))
    .delete('/:id', (c) => c.json(removeDevice({ ctx: ctxOf(deps, c), id: c.req.param('id') })))
    .get('/:id/trust', (c) => c.json({ pins: listPins({ ctx: ctxOf(deps, c), id: c.req.param('id') }) }))
    .post('/:id/trust', (c) => c.json(trustDevice({ ctx: ctxOf(deps, c), id: c.req.param('id') })));
}
