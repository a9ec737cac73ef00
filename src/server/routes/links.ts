/** /api/links: thin routes, one verb each. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { parseOrThrow } from '../../topology/errors.ts';
import { createLink, getLink, listLinks, removeLink, updateLink } from '../../topology/links.ts';
import { linkInputSchema, linkPatchSchema } from '../../topology/model.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

const idSchema = z.coerce.number({ error: 'must be a link id (a number)' }).int().positive({ error: 'must be a link id (a number)' });
const linkId = (raw: string) => parseOrThrow(idSchema, raw, 'link id', 'id');

export function linkRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', documented({ summary: 'List links, optionally of one device', queryNames: { device: 'a device id: only its links' } }), (c) => c.json({ links: listLinks({ ctx: ctxOf(deps, c), deviceId: c.req.query('device') }) }))
    .post('/', documented({ summary: 'Add a link', body: linkInputSchema }), async (c) => c.json(createLink({ ctx: ctxOf(deps, c), input: await readJson(c) }), 201))
    .get('/:id', (c) => c.json(getLink({ ctx: ctxOf(deps, c), id: linkId(c.req.param('id')) })))
    .patch('/:id', documented({ summary: 'Change a link', body: linkPatchSchema }), async (c) => c.json(updateLink({ ctx: ctxOf(deps, c), id: linkId(c.req.param('id')), patch: await readJson(c) })))
    .delete('/:id', (c) => c.json(removeLink({ ctx: ctxOf(deps, c), id: linkId(c.req.param('id')) })));
}
