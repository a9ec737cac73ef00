/**
 * Who a request is from, for per-caller caps (live previews, relay streams):
 * the login or API token the access middleware identified, else the TCP peer's
 * address (open mode, anonymous viewers). Never a header the caller chose.
 */
import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import { remoteOf } from './viewer.ts';

export function callerKeyOf(c: Context<AppEnv>): string {
  const caller = c.get('caller');
  if (caller && caller.role && (caller.via === 'session' || caller.via === 'token' || caller.via === 'tailscale')) return `${caller.via}:${caller.actor}`;
  return `address:${remoteOf(c).address ?? 'unknown'}`;
}
