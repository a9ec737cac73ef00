/** Users: add, list, remove, and check a password. Verbs take one `{ ctx, … }` object. */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { parseOrThrow, RigmapError } from '../errors.ts';
import { users } from '../store/schema.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { type UserRole, userRoleSchema } from './roles.ts';
import { revokeTokensOf } from './tokens.ts';

/** A user as the API and CLI show it (never the hash). */
export interface User {
  id: number;
  login: string;
  role: UserRole;
  createdAt: string;
  createdBy: string | null;
}

/** Logins: an email-like name or a plain handle, case-insensitive (stored lower-case). */
export const loginSchema = z.string().trim().toLowerCase()
  .min(1, { error: 'must not be empty' }).max(120, { error: 'must be at most 120 characters' })
  .regex(/^[a-z0-9][a-z0-9._@+-]*$/, { error: 'use letters, digits and . _ @ + - only' });

export const newUserSchema = z.strictObject({
  login: loginSchema,
  role: userRoleSchema,
  password: z.string().min(10, { error: 'must be at least 10 characters' }).max(1024, { error: 'must be at most 1024 characters' }),
});

const toUser = (r: typeof users.$inferSelect): User => ({ id: r.id, login: r.login, role: r.role as UserRole, createdAt: r.createdAt, createdBy: r.createdBy });

/** Every user, by login. */
export function listUsers({ ctx }: { ctx: Ctx }): User[] {
  return ctx.db.select().from(users).orderBy(asc(users.login)).all().map(toUser);
}

/** One user by login, or undefined. */
export function findUser({ ctx, login }: { ctx: Ctx; login: string }): (User & { passwordHash: string }) | undefined {
  const row = ctx.db.select().from(users).where(eq(users.login, login.trim().toLowerCase())).get();
  return row ? { ...toUser(row), passwordHash: row.passwordHash } : undefined;
}

/** Add a user; 409 when the login is taken. */
export async function addUser({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<User> {
  const parsed = parseOrThrow(newUserSchema, input, 'user');
  if (findUser({ ctx, login: parsed.login })) throw new RigmapError('conflict', `a user "${parsed.login}" already exists`, { login: parsed.login });
  const passwordHash = await hashPassword(parsed.password);
  const row = ctx.db.insert(users).values({ login: parsed.login, role: parsed.role, passwordHash, createdAt: new Date().toISOString(), createdBy: ctx.actor ?? null }).returning().get();
  ctx.bus.emit('access.changed', { action: 'user.added', target: row.login, role: parsed.role, actor: ctx.actor });
  return toUser(row);
}

/** Remove a user: their sessions go with them (cascade) and the API tokens they created are revoked. */
export function removeUser({ ctx, login }: { ctx: Ctx; login: string }): User {
  const found = findUser({ ctx, login });
  if (!found) throw new RigmapError('not_found', `no user "${login}"`, { login });
  ctx.db.delete(users).where(eq(users.id, found.id)).run();
  ctx.bus.emit('access.changed', { action: 'user.removed', target: found.login, actor: ctx.actor });
  revokeTokensOf({ ctx, login: found.login });
  const { passwordHash: _, ...user } = found;
  return user;
}

/** The user whose login and password match, or null (same time either way). */
export async function checkPassword({ ctx, login, password }: { ctx: Ctx; login: string; password: string }): Promise<User | null> {
  const found = findUser({ ctx, login });
  if (!found) {
    await verifyPassword(password, await dummyHash());
    return null;
  }
  if (!(await verifyPassword(password, found.passwordHash))) return null;
  const { passwordHash: _, ...user } = found;
  return user;
}
