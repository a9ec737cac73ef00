/**
 * The dashboard's side of sign-in: who am I (GET /api/auth/me), the CSRF token
 * every mutation echoes in X-Rigmap-CSRF, signing in and out, and the role on
 * <body data-role> so the stylesheet hides what this role cannot do.
 */
import { esc } from './format.ts';

export type Role = 'viewer' | 'operator' | 'admin';

/** The answer of GET /api/auth/me. */
export interface Me {
  auth: 'on' | 'off';
  user: { login: string; role: Role; via: 'session' | 'token' | 'tailscale' | 'open' } | null;
  csrf: string | null;
  expiresAt: string | null;
}

let current: Me | null = null;

/** The CSRF header for a mutation (empty when signed in by nothing that needs one). */
export function csrfHeader(): Record<string, string> {
  return current?.csrf ? { 'x-rigmap-csrf': current.csrf } : {};
}

/** Ask the server who this browser is. */
export async function loadMe(): Promise<Me> {
  const res = await fetch('/api/auth/me', { headers: { accept: 'application/json' } });
  // An older server without sign-in: everything is open.
  current = res.ok ? ((await res.json()) as Me) : { auth: 'off', user: { login: 'local', role: 'admin', via: 'open' }, csrf: null, expiresAt: null };
  return current;
}

/** Sign in; resolves with the new identity or rejects with the server's message. */
export async function signIn(login: string, password: string): Promise<Me> {
  const res = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ login, password }) });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new Error(body?.error?.message ?? `sign-in failed (${res.status})`);
  return loadMe();
}

/** Sign out and go back to the login page. */
export async function signOut(): Promise<void> {
  await fetch('/api/auth/logout', { method: 'POST', headers: csrfHeader() });
  location.reload();
}

/** Does the signed-in role reach `need`? */
export function can(need: Role): boolean {
  const order: Role[] = ['viewer', 'operator', 'admin'];
  const role = current?.user?.role;
  return !!role && order.indexOf(role) >= order.indexOf(need);
}

/** Put the role on <body> and show who is signed in (with a sign-out button) in `slot`. */
export function showIdentity(me: Me, slot: HTMLElement): void {
  document.body.dataset.role = me.user?.role ?? 'none';
  if (!me.user) return;
  const who = me.user.via === 'open' ? 'open (no sign-in)' : `${me.user.login} · ${me.user.role}`;
  slot.innerHTML = `<span class="badge" data-testid="signed-in" title="Signed in via ${esc(me.user.via)}">${esc(who)}</span>${me.user.via === 'session' ? ' <button type="button" class="linkish" data-action="sign-out">Sign out</button>' : ''}`;
  slot.querySelector('[data-action="sign-out"]')?.addEventListener('click', () => void signOut());
}
