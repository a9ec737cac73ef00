/**
 * Browser sessions. The cookie carries a random id; the database holds only its
 * SHA-256, so a copy of the database cannot sign anyone in. Each session has its
 * own CSRF token the dashboard echoes in X-Rigmap-CSRF on mutations.
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import { systemClock, type Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { sessions, users } from '../store/schema.ts';
import type { UserRole } from './roles.ts';

/** Default session lifetime: a shooting day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** SHA-256 hex of a secret (session ids and API tokens are stored this way). */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A live session with its user. */
export interface Session {
  userId: number;
  login: string;
  role: UserRole;
  csrf: string;
  expiresAt: number;
}

/** Start a session; returns the cookie value (shown once) and the CSRF token. */
export function createSession({ ctx, userId, ttlMs = SESSION_TTL_MS, remote, clock = systemClock }: {
  ctx: Ctx; userId: number; ttlMs?: number; remote?: string | null; clock?: Clock;
}): { id: string; csrf: string; expiresAt: number } {
  const now = clock.now();
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = now + ttlMs;
  ctx.db.insert(sessions).values({ idHash: sha256(id), userId, csrf, createdAt: new Date(now).toISOString(), expiresAt, remote: remote ?? null }).run();
  return { id, csrf, expiresAt };
}

/** The session behind a cookie value, or null when unknown or expired (expired ones are deleted). */
export function resolveSession({ ctx, id, clock = systemClock }: { ctx: Ctx; id: string; clock?: Clock }): Session | null {
  if (!id || id.length > 200) return null;
  const row = ctx.db.select({ s: sessions, u: users }).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.idHash, sha256(id))).get();
  if (!row) return null;
  if (row.s.expiresAt <= clock.now()) {
    ctx.db.delete(sessions).where(eq(sessions.idHash, row.s.idHash)).run();
    return null;
  }
  return { userId: row.u.id, login: row.u.login, role: row.u.role as UserRole, csrf: row.s.csrf, expiresAt: row.s.expiresAt };
}

/** End a session (logout). */
export function deleteSession({ ctx, id }: { ctx: Ctx; id: string }): boolean {
  return ctx.db.delete(sessions).where(eq(sessions.idHash, sha256(id))).run().changes > 0;
}

/** Drop expired sessions; returns how many. */
export function pruneSessions({ ctx, clock = systemClock }: { ctx: Ctx; clock?: Clock }): number {
  return ctx.db.delete(sessions).where(lt(sessions.expiresAt, clock.now())).run().changes;
}
