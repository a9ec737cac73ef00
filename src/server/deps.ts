import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { Ctx } from '../topology/context.ts';
import type { EventBus } from '../topology/events.ts';
import type { Db } from '../topology/store/db.ts';
import type { Config } from './config.ts';

/** What buildApp needs; main.ts wires the real ones, tests their own. */
export interface AppDeps {
  db: Db;
  bus: EventBus;
  config: Config;
  logger?: Logger;
}

/**
 * The domain context of one request. The actor is whoever the request is from:
 * identity middleware sets `c.set('actor', login)`; without it, `fallback`.
 */
export function ctxOf(deps: AppDeps, c?: Context, fallback = 'api'): Ctx {
  const actor = (c?.get('actor' as never) as string | undefined) ?? fallback;
  return { db: deps.db, bus: deps.bus, actor };
}
