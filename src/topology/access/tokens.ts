/**
 * API tokens for scripts (`Authorization: Bearer rmt_…`). The secret is shown
 * once at creation; only its SHA-256 is kept. A token carries a role no higher
 * than its creator's, and is revoked, never deleted, so the audit trail keeps it.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { parseOrThrow, RigmapError } from '../errors.ts';
import { apiTokens } from '../store/schema.ts';
import { type UserRole, userRoleSchema } from './roles.ts';
import { sha256 } from './sessions.ts';

/** A token as listed (never the secret). */
export interface ApiToken {
  id: number;
  name: string;
  role: UserRole;
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  /** The user the token acts for (see the api_tokens.owner column); null when made on the command line. */
  owner: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const newTokenSchema = z.strictObject({
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(80, { error: 'must be at most 80 characters' }),
  role: userRoleSchema.default('viewer'),
});

const toToken = (r: typeof apiTokens.$inferSelect): ApiToken => ({
  id: r.id, name: r.name, role: r.role as UserRole, prefix: r.prefix, createdAt: r.createdAt, createdBy: r.createdBy, owner: r.owner, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt,
});

/**
 * Create a token; `secret` is in the answer and nowhere else, ever. `owner` is
 * the user it acts for: the signed-in maker, or the owner of the token that
 * made it (so the chain ends with the user); null on the command line.
 */
export function createToken({ ctx, input, owner = null }: { ctx: Ctx; input: unknown; owner?: string | null }): ApiToken & { secret: string } {
  const parsed = parseOrThrow(newTokenSchema, input, 'token');
  const secret = `rmt_${randomBytes(30).toString('base64url')}`;
  const row = ctx.db.insert(apiTokens).values({
    name: parsed.name, role: parsed.role, secretHash: sha256(secret), prefix: secret.slice(0, 10), createdAt: new Date().toISOString(), createdBy: ctx.actor ?? null, owner,
  }).returning().get();
  ctx.bus.emit('access.changed', { action: 'token.created', target: `${row.name} (#${row.id})`, role: parsed.role, actor: ctx.actor });
  return { ...toToken(row), secret };
}

/** Every token, revoked ones too (they say when). */
export function listTokens({ ctx }: { ctx: Ctx }): ApiToken[] {
  return ctx.db.select().from(apiTokens).orderBy(asc(apiTokens.id)).all().map(toToken);
}

/** Revoke a token by id or name (a name must be unique among live tokens). */
export function revokeToken({ ctx, ref }: { ctx: Ctx; ref: string | number }): ApiToken {
  const asId = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : null;
  const rows = asId !== null
    ? ctx.db.select().from(apiTokens).where(eq(apiTokens.id, asId)).all()
    : ctx.db.select().from(apiTokens).where(and(eq(apiTokens.name, String(ref)), isNull(apiTokens.revokedAt))).all();
  if (rows.length === 0) throw new RigmapError('not_found', `no token ${asId !== null ? `#${asId}` : `named "${ref}"`}`, { ref });
  if (rows.length > 1) throw new RigmapError('conflict', `${rows.length} live tokens are named "${ref}"; revoke by id (rigmap token list)`, { ids: rows.map((r) => r.id) });
  const row = rows[0]!;
  if (row.revokedAt) return toToken(row);
  const revoked = ctx.db.update(apiTokens).set({ revokedAt: new Date().toISOString() }).where(eq(apiTokens.id, row.id)).returning().get();
  ctx.bus.emit('access.changed', { action: 'token.revoked', target: `${row.name} (#${row.id})`, actor: ctx.actor });
  return toToken(revoked);
}

/**
 * Revoke every live token that acts for `login` (a removed user's scripts stop
 * with them): those they made and those made by those tokens, at any depth,
 * since each token records the user at the head of its chain (owner). Tokens
 * from before that column knew only their maker (created_by) and go by it.
 * Each is recorded like a revocation by hand.
 */
export function revokeTokensOf({ ctx, login }: { ctx: Ctx; login: string }): ApiToken[] {
  const rows = ctx.db.update(apiTokens).set({ revokedAt: new Date().toISOString() })
    .where(and(or(eq(apiTokens.owner, login), and(isNull(apiTokens.owner), eq(apiTokens.createdBy, login))), isNull(apiTokens.revokedAt))).returning().all();
  for (const row of rows) ctx.bus.emit('access.changed', { action: 'token.revoked', target: `${row.name} (#${row.id})`, actor: ctx.actor });
  return rows.map(toToken);
}

/** The live token behind a bearer secret, or null; notes when it was last used (at most once a minute). */
export function resolveToken({ ctx, secret }: { ctx: Ctx; secret: string }): ApiToken | null {
  if (!secret.startsWith('rmt_') || secret.length > 200) return null;
  const row = ctx.db.select().from(apiTokens).where(eq(apiTokens.secretHash, sha256(secret))).get();
  if (!row || row.revokedAt) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) > 60_000) {
    ctx.db.update(apiTokens).set({ lastUsedAt: now.toISOString() }).where(eq(apiTokens.id, row.id)).run();
  }
  return toToken(row);
}
