/** /api/users and /api/tokens: accounts and API tokens (admin). A token secret is answered once, at creation. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { lowerRole } from '../../topology/access/roles.ts';
import { createToken, listTokens, newTokenSchema, revokeToken } from '../../topology/access/tokens.ts';
import { addUser, listUsers, newUserSchema, removeUser } from '../../topology/access/users.ts';
import { parseOrThrow } from '../../topology/errors.ts';
import { callerOf } from '../auth.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf } from '../deps.ts';

export function userRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ users: listUsers({ ctx: ctxOf(deps, c) }) }))
    .post('/', documented({ summary: 'Add a user', body: newUserSchema }), async (c) => c.json(await addUser({ ctx: ctxOf(deps, c), input: await readJson(c) }), 201))
    .delete('/:login', (c) => c.json(removeUser({ ctx: ctxOf(deps, c), login: c.req.param('login') })));
}

export function tokenRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ tokens: listTokens({ ctx: ctxOf(deps, c) }) }))
    .post('/', documented({ summary: 'Make an API token (its secret is answered once)', body: newTokenSchema }), async (c) => {
      const input = parseOrThrow(newTokenSchema, await readJson(c), 'token');
      // A token never outranks whoever made it.
      const caller = callerOf(c);
      const role = lowerRole(input.role, caller.role ?? 'viewer');
      // The new token acts for the same user as its maker, so removing that user ends the whole chain.
      return c.json(createToken({ ctx: ctxOf(deps, c), input: { ...input, role }, owner: caller.owner ?? null }), 201);
    })
    .delete('/:ref', (c) => c.json(revokeToken({ ctx: ctxOf(deps, c), ref: c.req.param('ref') })));
}
