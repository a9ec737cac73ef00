/** /api/auth: sign in (rate-limited), sign out, and who am I (with my CSRF token). */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { recordAudit } from '../../topology/access/audit.ts';
import { createSession, deleteSession, pruneSessions } from '../../topology/access/sessions.ts';
import { checkPassword } from '../../topology/access/users.ts';
import { parseOrThrow, RigmapError } from '../../topology/errors.ts';
import { type Access, authApplies, callerOf, SESSION_COOKIE } from '../auth.ts';
import { readJson } from '../body.ts';
import { type AppDeps, ctxOf } from '../deps.ts';
import { toHttpError } from '../errors.ts';
import { remoteOf } from '../viewer.ts';

const loginSchema = z.strictObject({
  login: z.string().trim().min(1, { error: 'must not be empty' }).max(120),
  password: z.string().min(1, { error: 'must not be empty' }).max(1024),
});

export function authRoutes(deps: AppDeps, access: Access) {
  return new Hono<AppEnv>()
    .get('/me', (c) => {
      const caller = callerOf(c);
      return c.json({
        auth: authApplies(access, c) ? 'on' : 'off',
        user: caller.role ? { login: caller.actor, role: caller.role, via: caller.via } : null,
        csrf: caller.csrf,
        expiresAt: caller.expiresAt ? new Date(caller.expiresAt).toISOString() : null,
      });
    })
    .post('/login', documented({ summary: 'Sign in (rate-limited per address and login); sets the session cookie', body: loginSchema }), async (c) => {
      const input = parseOrThrow(loginSchema, await readJson(c), 'sign-in');
      const remote = remoteOf(c).address ?? 'unknown';
      const wait = access.limiter.check(remote, input.login);
      if (wait !== null) {
        recordAudit(deps.db, { actor: input.login.toLowerCase(), via: 'session', remote, action: 'login.limited' });
        c.header('retry-after', String(wait));
        return c.json({ error: { code: 'rate_limited', message: `too many failed sign-ins: try again in ${wait} s` } }, 429);
      }
      const ctx = ctxOf(deps, c);
      const user = await checkPassword({ ctx, login: input.login, password: input.password });
      if (!user) {
        access.limiter.fail(remote, input.login);
        recordAudit(deps.db, { actor: input.login.toLowerCase(), via: 'session', remote, action: 'login.failed' });
        const { status, body } = toHttpError(new RigmapError('unauthorized', 'wrong login or password'));
        return c.json(body, status);
      }
      access.limiter.succeed(remote, input.login);
      pruneSessions({ ctx, clock: deps.clock }); // expired sessions go when someone signs in: the table stays small without a timer
      const session = createSession({ ctx, userId: user.id, ttlMs: access.sessionTtlMs, remote, clock: deps.clock });
      setCookie(c, SESSION_COOKIE, session.id, {
        httpOnly: true, sameSite: 'Strict', path: '/', maxAge: Math.floor(access.sessionTtlMs / 1000),
        secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
      });
      recordAudit(deps.db, { actor: user.login, via: 'session', remote, action: 'login' });
      return c.json({ user: { login: user.login, role: user.role, via: 'session' }, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() });
    })
    .post('/logout', (c) => {
      const caller = callerOf(c);
      if (caller.sessionId) {
        deleteSession({ ctx: ctxOf(deps, c), id: caller.sessionId });
        recordAudit(deps.db, { actor: caller.actor, via: 'session', remote: remoteOf(c).address ?? null, action: 'logout' });
      }
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.json({ ok: true });
    });
}
