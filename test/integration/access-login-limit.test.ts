/**
 * The login limiter keyed so one attacker cannot lock out the crew: a spray of
 * failures from the crew's own address (a same-host proxy: every request comes
 * from one address) holds back logins that never signed in from there, but not
 * the crew members who did; each pair is still capped on its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/topology/access/rate-limit.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { type AuthRig, makeAuthRig } from './access-helpers.ts';

let rig: AuthRig | undefined;
afterEach(() => rig?.close());

describe('login limiter', () => {
  it('30+ failures from one address do not lock out a crew member who signed in from it', async () => {
    rig = await makeAuthRig();
    const app = rig.app;
    const attempt = (login: string, password: string) => app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    expect((await attempt('ada', 'correct horse battery')).status).toBe(200);
    for (let i = 0; i < 35; i++) expect([401, 429]).toContain((await attempt(`spray-${i}`, 'guess')).status);
    expect((await attempt('spray-x', 'guess')).status).toBe(429);
    // ada signed in from here before: still let in, and her own pair is still capped.
    expect((await attempt('ada', 'correct horse battery')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await attempt('ada', `wrong ${i}`)).status).toBe(401);
    expect((await attempt('ada', 'correct horse battery')).status).toBe(429);
    // otto never signed in from this address: the per-address limit holds him back for now.
    expect((await attempt('otto', 'operator password 1')).status).toBe(429);
  }, 60_000);

  it('a known pair is exempt only for knownMs, and the per-pair cap applies to it', () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ perUser: 3, perAddress: 5, windowMs: 60_000, knownMs: 10_000 }, clock);
    l.succeed('10.0.0.1', 'Ada');
    clock.advance(1);
    for (let i = 0; i < 10; i++) l.fail('10.0.0.1', `x${i}`);
    clock.advance(1);
    expect(l.check('10.0.0.1', 'otto')).not.toBeNull();
    expect(l.check('10.0.0.1', 'ada')).toBeNull();
    clock.advance(10_000 - 2 + 1);
    expect(l.check('10.0.0.1', 'ada')).not.toBeNull();
    l.succeed('10.0.0.1', 'ada');
    clock.advance(1);
    for (let i = 0; i < 3; i++) l.fail('10.0.0.1', 'ada');
    clock.advance(1);
    expect(l.check('10.0.0.1', 'ada')).toBe(60);
  });
});
