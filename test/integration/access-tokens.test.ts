/**
 * API tokens act for a user: every token records the user at the head of its
 * chain (the signed-in maker, or the owner of the token that made it), and
 * removing that user revokes the whole chain: admin → t1 → t2 → t3.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUser } from '../../src/topology/access/users.ts';
import { type AuthRig, makeAuthRig, signIn } from './access-helpers.ts';

let rig: AuthRig;
beforeEach(async () => {
  rig = await makeAuthRig();
});
afterEach(() => rig.close());

const json = { 'content-type': 'application/json' };

async function makeToken(headers: Record<string, string>, name: string): Promise<{ id: number; secret: string; owner: string | null }> {
  const res = await rig.app.request('/api/tokens', { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify({ name, role: 'admin' }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

describe('token chains', () => {
  it('removing a user revokes the tokens they made and every token those made', async () => {
    const ada = await signIn(rig.app, 'ada', 'correct horse battery');
    const t1 = await makeToken({ cookie: ada.cookie, 'x-rigmap-csrf': ada.csrf }, 't1');
    const t2 = await makeToken({ authorization: `Bearer ${t1.secret}` }, 't2');
    const t3 = await makeToken({ authorization: `Bearer ${t2.secret}` }, 't3');
    expect([t1.owner, t2.owner, t3.owner]).toEqual(['ada', 'ada', 'ada']);
    for (const t of [t1, t2, t3]) expect((await rig.app.request('/api/users', { headers: { authorization: `Bearer ${t.secret}` } })).status).toBe(200);

    // Removed by another admin (a command-line token, which acts for no user and so survives).
    const removed = await rig.app.request('/api/users/ada', { method: 'DELETE', headers: rig.bearer.admin });
    expect(removed.status).toBe(200);
    for (const t of [t1, t2, t3]) expect((await rig.app.request('/api/users', { headers: { authorization: `Bearer ${t.secret}` } })).status, `token #${t.id}`).toBe(401);
    expect((await rig.app.request('/api/users', { headers: rig.bearer.admin })).status).toBe(200);
    const listed = (await (await rig.app.request('/api/tokens', { headers: rig.bearer.admin })).json()).tokens as Array<{ name: string; revokedAt: string | null; owner: string | null }>;
    expect(listed.filter((t) => t.owner === 'ada').map((t) => [t.name, t.revokedAt !== null])).toEqual([['t1', true], ['t2', true], ['t3', true]]);
  });

  it("another user's chain is untouched", async () => {
    await addUser({ ctx: rig.ctx, input: { login: 'bea', role: 'admin', password: 'another admin pw' } });
    const bea = await signIn(rig.app, 'bea', 'another admin pw');
    const o1 = await makeToken({ cookie: bea.cookie, 'x-rigmap-csrf': bea.csrf }, 'o1');
    const o2 = await makeToken({ authorization: `Bearer ${o1.secret}` }, 'o2');
    expect((await rig.app.request('/api/users/ada', { method: 'DELETE', headers: rig.bearer.admin })).status).toBe(200);
    expect(o2.owner).toBe('bea');
    for (const t of [o1, o2]) expect((await rig.app.request('/api/devices', { headers: { authorization: `Bearer ${t.secret}` } })).status).toBe(200);
  });
});
