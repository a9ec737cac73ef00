/**
 * Values the dashboard needs from the domain. The browser imports server *types*
 * only (importing model.ts would pull zod into the bundle), so the role list is
 * repeated here and the compiler checks it matches the domain's.
 */
import type { Role } from '../topology/model.ts';

export const ROLES = ['camera', 'console', 'relay', 'server', 'hotspot', 'router', 'monitor', 'other'] as const satisfies readonly Role[];
// Fails to compile if the domain gains a role this list lacks.
const _allRoles: Record<Role, true> = Object.fromEntries(ROLES.map((r) => [r, true])) as Record<(typeof ROLES)[number], true>;
void _allRoles;
