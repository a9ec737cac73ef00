/** /api/notifiers: where alerts are sent; add, list, remove, test-send. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { sendTestNotice } from '../../topology/alerts/notifiers/dispatch.ts';
import { addNotifier, listNotifiers, notifierInputSchema, removeNotifier } from '../../topology/alerts/notifiers/store.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf } from '../deps.ts';
import { selfAddressOf } from '../relay.ts';

export function notifierRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ notifiers: listNotifiers({ ctx: ctxOf(deps, c) }) }))
    .post('/', documented({ summary: 'Add a notifier (webhook, Slack, ntfy, Alertmanager)', body: notifierInputSchema }), async (c) => c.json(addNotifier({ ctx: ctxOf(deps, c), input: await readJson(c), self: selfAddressOf(deps, c) }), 201))
    .delete('/:ref', (c) => c.json(removeNotifier({ ctx: ctxOf(deps, c), ref: c.req.param('ref') })))
    .post('/:ref/test', async (c) => {
      const result = await sendTestNotice({ ctx: ctxOf(deps, c), ref: c.req.param('ref'), self: selfAddressOf(deps, c) });
      return c.json(result, result.ok ? 200 : 502);
    });
}
