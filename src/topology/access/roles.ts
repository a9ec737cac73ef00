/**
 * Access roles and their order: viewer reads; operator also sends commands and
 * acknowledges alerts; admin also edits the inventory, users, tokens, notifiers
 * and Tailscale settings. `public` is what anyone may reach (login, the bundle).
 */
import { z } from 'zod';
import { RigmapError } from '../errors.ts';

export const USER_ROLES = ['viewer', 'operator', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
/** The minimum a route asks for: a role, or `public` for anyone. */
export type Requirement = 'public' | UserRole;

const RANK: Record<Requirement, number> = { public: 0, viewer: 1, operator: 2, admin: 3 };

export const userRoleSchema = z.enum(USER_ROLES, { error: 'must be viewer, operator or admin' });

/** Does `role` (null: not signed in) meet `need`? */
export function roleMeets(role: UserRole | null, need: Requirement): boolean {
  return (role ? RANK[role] : 0) >= RANK[need];
}

/** The lower of two roles (a token never outranks whoever made it). */
export function lowerRole(a: UserRole, b: UserRole): UserRole {
  return RANK[a] <= RANK[b] ? a : b;
}

/** A Tailscale identity → role rule: a login (alice@example.com) or a tag (tag:producer). */
export interface TailscaleRoleRule {
  match: string;
  role: UserRole;
}

/**
 * Parse `alice@example.com=admin,tag:producer=operator` (RIGMAP_TAILSCALE_ROLES).
 * A bad pair fails start-up with a message naming it.
 */
export function parseTailscaleRoles(text: string): TailscaleRoleRule[] {
  const rules: TailscaleRoleRule[] = [];
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.lastIndexOf('=');
    const match = eq > 0 ? pair.slice(0, eq).trim() : '';
    const role = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!match || !(USER_ROLES as readonly string[]).includes(role)) {
      throw new RigmapError('validation_failed', `"${pair}" is not a Tailscale role rule: write login=role or tag:name=role, role viewer, operator or admin`, {
        problems: [{ field: 'tailscaleRoles', message: 'expected login=role or tag:name=role', value: pair }],
      });
    }
    rules.push({ match: match.toLowerCase(), role: role as UserRole });
  }
  return rules;
}

/**
 * The role of a Tailscale viewer: its login rule first, else the highest role
 * any of its node's tags gives, else null (not allowed in).
 */
export function roleForTailscale(rules: TailscaleRoleRule[], viewer: { login: string; tags?: string[] }): UserRole | null {
  const login = viewer.login.toLowerCase();
  const byLogin = rules.find((r) => r.match === login);
  if (byLogin) return byLogin.role;
  let best: UserRole | null = null;
  for (const tag of viewer.tags ?? []) {
    const rule = rules.find((r) => r.match === tag.toLowerCase());
    if (rule && (!best || RANK[rule.role] > RANK[best])) best = rule.role;
  }
  return best;
}
