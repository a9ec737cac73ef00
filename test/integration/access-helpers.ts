/** Access test wiring: an app with sign-in on, and a token per role. */
import { join } from 'node:path';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { addUser } from '../../src/topology/access/users.ts';
import type { Clock } from '../../src/topology/clock.ts';
import type { Ctx } from '../../src/topology/context.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb, type OpenDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;

export interface AuthRig {
  store: OpenDb;
  ctx: Ctx;
  app: ReturnType<typeof buildApp>;
  /** Bearer header per role. */
  bearer: Record<(typeof ROLES)[number], Record<string, string>>;
  close(): void;
}

/** An app with `--auth on` (plus `extra` config), a real SQLite file, and one API token per role; `clock`: the app's (sessions, limiter). */
export async function makeAuthRig(extra: Record<string, unknown> = {}, clock?: Clock): Promise<AuthRig> {
  const { dir, cleanup } = makeTempDir('rigmap-access-');
  const store = openDb(join(dir, 'rigmap.db'));
  const bus = new EventBus();
  const config = loadConfig({ db: store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', auth: 'on', logLevel: 'silent', ...extra }, {});
  const app = buildApp({ db: store.db, bus, config, clock });
  const ctx: Ctx = { db: store.db, bus, actor: 'test' };
  const bearer = {} as AuthRig['bearer'];
  for (const role of ROLES) bearer[role] = { authorization: `Bearer ${createToken({ ctx, input: { name: `t-${role}`, role } }).secret}` };
  await addUser({ ctx, input: { login: 'ada', role: 'admin', password: 'correct horse battery' } });
  await addUser({ ctx, input: { login: 'otto', role: 'operator', password: 'operator password 1' } });
  return { store, ctx, app, bearer, close: () => { store.close(); cleanup(); } };
}

/** Sign in through the API: the cookie header to send back and the CSRF token. */
export async function signIn(app: AuthRig['app'], login: string, password: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrf: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrf, setCookie };
}
