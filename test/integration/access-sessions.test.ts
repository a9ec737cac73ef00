/** Sign-in: login, logout, expiry, CSRF on cookie mutations, rate limits, API token revoke, audit of it all. */
import { afterEach, describe, expect, it } from 'vitest';
import { createSession } from '../../src/topology/access/sessions.ts';
import { findUser } from '../../src/topology/access/users.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { type AuthRig, makeAuthRig, signIn } from './access-helpers.ts';

let rig: AuthRig;
afterEach(() => rig?.close());

const json = (body: unknown, headers: Record<string, string> = {}) => ({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('sessions', () => {
  it('signs in with an HttpOnly SameSite cookie, answers /me, signs out', async () => {
    rig = await makeAuthRig();
    const { app } = rig;
    const { cookie, csrf, setCookie } = await signIn(app, 'ADA', 'correct horse battery');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Max-Age=43200/);
    const me = await (await app.request('/api/auth/me', { headers: { cookie } })).json();
    expect(me).toMatchObject({ auth: 'on', user: { login: 'ada', role: 'admin', via: 'session' }, csrf });
    expect((await app.request('/api/devices', { headers: { cookie } })).status).toBe(200);
    const out = await app.request('/api/auth/logout', { method: 'POST', headers: { cookie, 'x-rigmap-csrf': csrf } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/rigmap_session=;.*Max-Age=0/);
    expect((await app.request('/api/devices', { headers: { cookie } })).status).toBe(401);
    expect((await (await app.request('/api/auth/me', { headers: { cookie } })).json()).user).toBeNull();
  });

  it('refuses a wrong password, and a session past its expiry', async () => {
    rig = await makeAuthRig();
    const bad = await rig.app.request('/api/auth/login', { method: 'POST', ...json({ login: 'ada', password: 'nope nope nope' }) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const ada = findUser({ ctx: rig.ctx, login: 'ada' })!;
    // A session that ran out an hour ago (the same check as one that runs out now).
    const expired = createSession({ ctx: rig.ctx, userId: ada.id, ttlMs: 60_000, clock: new FakeClock(Date.now() - 3_600_000) });
    const res = await rig.app.request('/api/devices', { headers: { cookie: `rigmap_session=${expired.id}` } });
    expect(res.status).toBe(401);
    const live = createSession({ ctx: rig.ctx, userId: ada.id, ttlMs: 60_000 });
    expect((await rig.app.request('/api/devices', { headers: { cookie: `rigmap_session=${live.id}` } })).status).toBe(200);
    expect(rig.store.sqlite.prepare('select count(*) as n from sessions').get()).toEqual({ n: 1 });
  });

  it('a session runs out when the app\'s clock passes its lifetime, not before', async () => {
    const clock = new FakeClock(Date.now());
    rig = await makeAuthRig({ sessionHours: 1 }, clock);
    const { cookie } = await signIn(rig.app, 'ada', 'correct horse battery');
    const me = async () => (await (await rig.app.request('/api/auth/me', { headers: { cookie } })).json()).user;
    expect((await rig.app.request('/api/auth/me', { headers: { cookie } })).status).toBe(200);
    clock.advance(3_600_000 - 1);
    expect(await me()).toMatchObject({ login: 'ada', via: 'session' });
    expect((await rig.app.request('/api/devices', { headers: { cookie } })).status).toBe(200);
    clock.advance(1);
    expect((await rig.app.request('/api/devices', { headers: { cookie } })).status).toBe(401);
    expect(await me()).toBeNull();
    // The expired row went with the refusal.
    expect(rig.store.sqlite.prepare('select count(*) as n from sessions').get()).toEqual({ n: 0 });
  });

  it('a login held back by the limiter is let in once the app\'s clock leaves the window', async () => {
    const clock = new FakeClock(Date.now());
    rig = await makeAuthRig({}, clock);
    const attempt = (password: string) => rig.app.request('/api/auth/login', { method: 'POST', ...json({ login: 'ada', password }) });
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong ${i}`)).status).toBe(401);
    const held = await attempt('correct horse battery');
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('900');
    clock.advance(15 * 60_000 - 1);
    expect((await attempt('correct horse battery')).status).toBe(429);
    clock.advance(1);
    expect((await attempt('correct horse battery')).status).toBe(200);
  });

  it('requires the CSRF header on cookie-authenticated mutations', async () => {
    rig = await makeAuthRig();
    const { cookie, csrf } = await signIn(rig.app, 'ada', 'correct horse battery');
    const body = { id: 'cam-z', role: 'camera' };
    const none = await rig.app.request('/api/devices', { method: 'POST', ...json(body, { cookie }) });
    expect(none.status).toBe(403);
    expect((await none.json()).error.message).toMatch(/x-rigmap-csrf/);
    expect((await rig.app.request('/api/devices', { method: 'POST', ...json(body, { cookie, 'x-rigmap-csrf': 'forged' }) })).status).toBe(403);
    const other = await signIn(rig.app, 'otto', 'operator password 1');
    expect((await rig.app.request('/api/devices', { method: 'POST', ...json(body, { cookie, 'x-rigmap-csrf': other.csrf }) })).status).toBe(403);
    expect((await rig.app.request('/api/devices', { method: 'POST', ...json(body, { cookie, 'x-rigmap-csrf': csrf }) })).status).toBe(201);
    // Reads need no token; an operator's cookie with a good token still cannot edit the inventory.
    expect((await rig.app.request('/api/devices/cam-z', { headers: { cookie } })).status).toBe(200);
    expect((await rig.app.request('/api/devices/cam-z', { method: 'DELETE', headers: { cookie: other.cookie, 'x-rigmap-csrf': other.csrf } })).status).toBe(403);
  });

  it('rate-limits failed sign-ins per address and login, with Retry-After', async () => {
    rig = await makeAuthRig();
    const attempt = (login: string, password: string) => rig.app.request('/api/auth/login', { method: 'POST', ...json({ login, password }) });
    for (let i = 0; i < 5; i++) expect((await attempt('ada', `wrong guess ${i}`)).status).toBe(401);
    const limited = await attempt('ada', 'correct horse battery');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another login from the same address is not locked out by ada's failures.
    expect((await attempt('otto', 'operator password 1')).status).toBe(200);
    const audit = await (await rig.app.request('/api/audit?action=login', { headers: rig.bearer.admin })).json();
    const actions = audit.entries.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`);
    expect(actions.filter((a: string) => a === 'login.failed ada')).toHaveLength(5);
    expect(actions).toContain('login.limited ada');
    expect(actions).toContain('login otto');
  });
});

describe('API tokens', () => {
  it('shows the secret once, lists without it, and stops working once revoked', async () => {
    rig = await makeAuthRig();
    const created = await rig.app.request('/api/tokens', { method: 'POST', ...json({ name: 'ci', role: 'operator' }, rig.bearer.admin) });
    expect(created.status).toBe(201);
    const token = await created.json();
    expect(token.secret).toMatch(/^rmt_/);
    const auth = { authorization: `Bearer ${token.secret}` };
    expect((await rig.app.request('/api/devices', { headers: auth })).status).toBe(200);
    const list = await (await rig.app.request('/api/tokens', { headers: rig.bearer.admin })).text();
    expect(list).not.toContain(token.secret);
    expect(JSON.parse(list).tokens.find((t: { id: number }) => t.id === token.id)).toMatchObject({ name: 'ci', role: 'operator', revokedAt: null });
    expect(rig.store.sqlite.prepare('select count(*) as n from api_tokens where secret_hash = ?').get(token.secret)).toEqual({ n: 0 });
    const revoked = await rig.app.request(`/api/tokens/${token.id}`, { method: 'DELETE', headers: rig.bearer.admin });
    expect((await revoked.json()).revokedAt).not.toBeNull();
    const after = await rig.app.request('/api/devices', { headers: auth });
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toMatch(/revoked/);
  });

  it('revokes the tokens a user made when the user is removed, and records it', async () => {
    rig = await makeAuthRig();
    const ada = await signIn(rig.app, 'ada', 'correct horse battery');
    const created = await rig.app.request('/api/tokens', { method: 'POST', ...json({ name: 'ada-script', role: 'viewer' }, { cookie: ada.cookie, 'x-rigmap-csrf': ada.csrf }) });
    expect(created.status).toBe(201);
    const token = await created.json();
    expect(token.createdBy).toBe('ada');
    const auth = { authorization: `Bearer ${token.secret}` };
    expect((await rig.app.request('/api/devices', { headers: auth })).status).toBe(200);
    expect((await rig.app.request('/api/users/ada', { method: 'DELETE', headers: rig.bearer.admin })).status).toBe(200);
    expect((await rig.app.request('/api/devices', { headers: auth })).status).toBe(401);
    expect((await rig.app.request('/api/devices', { headers: rig.bearer.viewer })).status).toBe(200); // others' tokens stay
    const { tokens } = await (await rig.app.request('/api/tokens', { headers: rig.bearer.admin })).json();
    expect(tokens.find((t: { id: number }) => t.id === token.id).revokedAt).not.toBeNull();
    const { entries } = await (await rig.app.request('/api/audit', { headers: rig.bearer.admin })).json();
    expect(entries.map((e: { action: string; target: string; actor: string }) => `${e.action} ${e.target} by ${e.actor}`)).toContain(`token.revoked ada-script (#${token.id}) by token:t-admin`);
  });

  it('records user and token changes in the audit trail with the actor', async () => {
    rig = await makeAuthRig();
    await rig.app.request('/api/users', { method: 'POST', ...json({ login: 'vera', role: 'viewer', password: 'viewer password 1' }, rig.bearer.admin) });
    await rig.app.request('/api/users/vera', { method: 'DELETE', headers: rig.bearer.admin });
    await rig.app.request('/api/devices', { method: 'POST', ...json({ id: 'cam-q', role: 'camera' }, rig.bearer.admin) });
    const { entries } = await (await rig.app.request('/api/audit', { headers: rig.bearer.admin })).json();
    const lines = entries.map((e: { action: string; target: string; actor: string; via: string }) => `${e.action} ${e.target} by ${e.actor} via ${e.via}`);
    expect(lines).toContain('user.added vera by token:t-admin via token');
    expect(lines).toContain('user.removed vera by token:t-admin via token');
    expect(lines).toContain('device.created cam-q by token:t-admin via token');
    expect(JSON.stringify(entries)).not.toMatch(/viewer password/);
  });
});
