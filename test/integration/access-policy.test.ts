/**
 * The access policy, table-driven over EVERY route the app registers × every
 * caller (nobody, viewer, operator, admin): a caller below the route's role is
 * refused (401 signed out, 403 signed in) and one at or above it gets through.
 * A route without an entry in the policy table fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY } from '../../src/server/auth-policy.ts';
import { roleMeets, type UserRole } from '../../src/topology/access/roles.ts';
import { type AuthRig, makeAuthRig, ROLES } from './access-helpers.ts';

let rig: AuthRig;
beforeAll(async () => {
  rig = await makeAuthRig();
});
afterAll(() => rig.close());

/** Every (method, pattern) the app answers, middleware left out. */
function appRoutes(): Array<{ method: string; path: string }> {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of rig.app.routes) if (r.method !== 'ALL') seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  return [...seen.values()];
}

/** A concrete path for a pattern: ids nobody has, so allowed calls change nothing. */
const concrete = (pattern: string) => pattern
  .replace(/:id\b/g, '999999').replace(':ref', 'no-such').replace(':login', 'nobody').replace(':device', 'no-device').replace(':service', 'no-service')
  .replace(/\/\*$/, '/x');

describe('access policy over every route and role', () => {
  it('lists every registered route in the policy table', () => {
    const routes = appRoutes();
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((k) => !(k in POLICY));
    expect(missing, 'routes without a policy entry (add them to src/server/auth-policy.ts)').toEqual([]);
  });

  it('gives each caller exactly what its role allows', async () => {
    const callers: Array<{ who: string; role: UserRole | null; headers: Record<string, string> }> = [
      { who: 'nobody', role: null, headers: {} },
      ...ROLES.map((role) => ({ who: role, role, headers: rig.bearer[role] })),
    ];
    const outcomes: string[] = [];
    const wrong: string[] = [];
    for (const route of appRoutes()) {
      const need = POLICY[`${route.method} ${route.path}`]!;
      for (const caller of callers) {
        const mutating = route.method !== 'GET';
        // Broken JSON: an allowed mutation stops at validation, so nothing changes.
        const res = await rig.app.request(concrete(route.path), {
          method: route.method,
          headers: { ...caller.headers, ...(mutating ? { 'content-type': 'application/json' } : {}) },
          ...(mutating ? { body: '{' } : {}),
        });
        await res.body?.cancel(); // SSE streams never end by themselves
        const allowed = roleMeets(caller.role, need);
        const expected = allowed ? 'through' : caller.role ? 403 : 401;
        const got = res.status === 401 || res.status === 403 ? res.status : 'through';
        outcomes.push(`${route.method} ${route.path} ${caller.who}`);
        if (got !== expected) wrong.push(`${route.method} ${route.path} as ${caller.who}: expected ${expected}, got ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(outcomes.length).toBe(appRoutes().length * 4);
  });

  it('spot checks: viewer reads, operator commands and acks, admin edits', async () => {
    const { app, bearer } = rig;
    expect((await app.request('/api/devices', { headers: bearer.viewer })).status).toBe(200);
    expect((await app.request('/api/devices', { method: 'POST', headers: { ...bearer.operator, 'content-type': 'application/json' }, body: '{"id":"x1","role":"camera"}' })).status).toBe(403);
    expect((await app.request('/api/devices', { method: 'POST', headers: { ...bearer.admin, 'content-type': 'application/json' }, body: '{"id":"x1","role":"camera"}' })).status).toBe(201);
    expect((await app.request('/api/alerts/999/ack', { method: 'POST', headers: bearer.viewer })).status).toBe(403);
    expect((await app.request('/api/alerts/999/ack', { method: 'POST', headers: bearer.operator })).status).toBe(404);
    expect((await app.request('/api/notifiers', { headers: bearer.operator })).status).toBe(403);
    expect((await app.request('/api/audit', { headers: bearer.admin })).status).toBe(200);
    const anon = await app.request('/api/devices');
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.code).toBe('unauthorized');
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('refuses a bad token outright and a cross-site mutation even for an admin', async () => {
    expect((await rig.app.request('/api/devices', { headers: { authorization: 'Bearer rmt_not-a-real-token' } })).status).toBe(401);
    const cross = await rig.app.request('http://rig.local/api/devices', {
      method: 'POST', headers: { ...rig.bearer.admin, origin: 'http://evil.example', host: 'rig.local', 'content-type': 'application/json' }, body: '{"id":"x2","role":"camera"}',
    });
    expect(cross.status).toBe(403);
  });
});
