/**
 * The live event stream by role: viewers and operators never receive
 * access.changed (logins, roles, token names), live or replayed after
 * Last-Event-ID; admins do. And callerOf fails closed when no middleware ran.
 */
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/server/app-env.ts';
import { callerOf } from '../../src/server/auth.ts';
import { addUser } from '../../src/topology/access/users.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { type AuthRig, makeAuthRig } from './access-helpers.ts';

let rig: AuthRig;
beforeEach(async () => {
  rig = await makeAuthRig();
});
afterEach(() => rig.close());

/** Read an SSE answer until `until` holds for the event names seen (bounded wait), then cancel it. */
async function eventNames(res: Response, until: (names: string[]) => boolean): Promise<string[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 10_000;
  const names = () => [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]!);
  while (!until(names()) && Date.now() < deadline) {
    const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 200))]);
    if (next && !next.done) text += decoder.decode(next.value, { stream: true });
    if (next?.done) break;
  }
  await reader.cancel();
  return names();
}

describe('/api/events by role', () => {
  it('live: a viewer or operator gets device changes but not access changes; an admin gets both', async () => {
    const streams = await Promise.all((['viewer', 'operator', 'admin'] as const).map(async (role) => [role, await rig.app.request('/api/events', { headers: rig.bearer[role] })] as const));
    for (const [, res] of streams) expect(res.status).toBe(200);
    await addUser({ ctx: rig.ctx, input: { login: 'vera', role: 'viewer', password: 'viewer password 1' } });
    createDevice({ ctx: rig.ctx, input: { id: 'cam-a', role: 'camera' } });
    for (const [role, res] of streams) {
      const names = await eventNames(res, (n) => n.includes('device.changed'));
      expect(names, role).toContain('device.changed');
      if (role === 'admin') expect(names, role).toContain('access.changed');
      else expect(names, role).not.toContain('access.changed');
    }
  });

  it('replay after Last-Event-ID leaves access changes out for a viewer too', async () => {
    await addUser({ ctx: rig.ctx, input: { login: 'vera', role: 'viewer', password: 'viewer password 1' } });
    createDevice({ ctx: rig.ctx, input: { id: 'cam-a', role: 'camera' } });
    const viewer = await eventNames(await rig.app.request('/api/events', { headers: { ...rig.bearer.viewer, 'last-event-id': '0' } }), (n) => n.includes('device.changed'));
    expect(viewer).toContain('device.changed');
    expect(viewer).not.toContain('access.changed');
    const admin = await eventNames(await rig.app.request('/api/events?lastEventId=0', { headers: rig.bearer.admin }), (n) => n.includes('device.changed') && n.includes('access.changed'));
    expect(admin).toEqual(expect.arrayContaining(['access.changed', 'device.changed']));
  });
});

describe('callerOf', () => {
  it('is nobody, not admin, when no access middleware ran', async () => {
    const app = new Hono<AppEnv>().get('/who', (c) => c.json(callerOf(c)));
    expect(await (await app.request('/who')).json()).toMatchObject({ role: null, via: 'anonymous' });
  });
});
