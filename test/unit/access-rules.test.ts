/** Access building blocks: roles, Tailscale rules, password hashes, the login limiter, relay path checks. */
import { describe, expect, it } from 'vitest';
import { requirementOf } from '../../src/server/auth-policy.ts';
import { hashPassword, verifyPassword } from '../../src/topology/access/passwords.ts';
import { LoginLimiter } from '../../src/topology/access/rate-limit.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { lowerRole, parseTailscaleRoles, roleForTailscale, roleMeets } from '../../src/topology/access/roles.ts';
import { relayPathOf } from '../../src/topology/relay/relay.ts';

describe('roles', () => {
  it('orders viewer < operator < admin, public below all', () => {
    expect(roleMeets(null, 'public')).toBe(true);
    expect(roleMeets(null, 'viewer')).toBe(false);
    expect(roleMeets('viewer', 'operator')).toBe(false);
    expect(roleMeets('operator', 'operator')).toBe(true);
    expect(roleMeets('admin', 'operator')).toBe(true);
    expect(lowerRole('admin', 'operator')).toBe('operator');
  });

  it('defaults unlisted routes: GET viewer, anything else admin', () => {
    expect(requirementOf('GET', '/api/new-thing')).toEqual({ need: 'viewer', listed: false });
    expect(requirementOf('POST', '/api/new-thing')).toEqual({ need: 'admin', listed: false });
    expect(requirementOf('HEAD', '/api/devices')).toEqual({ need: 'viewer', listed: true });
    expect(requirementOf('POST', '/api/commands')).toEqual({ need: 'operator', listed: true });
  });

  it('maps a Tailscale login first, else the best tag, else nobody', () => {
    const rules = parseTailscaleRoles('Alice@Example.com=admin, tag:producer=operator,tag:wall=viewer');
    expect(roleForTailscale(rules, { login: 'alice@example.com', tags: ['tag:wall'] })).toBe('admin');
    expect(roleForTailscale(rules, { login: 'tagged-devices', tags: ['tag:wall', 'tag:producer'] })).toBe('operator');
    expect(roleForTailscale(rules, { login: 'bob@example.com' })).toBeNull();
    expect(() => parseTailscaleRoles('alice@example.com=root')).toThrow(/alice@example.com=root/);
    expect(() => parseTailscaleRoles('=admin')).toThrow(/Tailscale role rule/);
  });
});

describe('passwords', () => {
  it('hashes with a salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });
});

describe('login limiter', () => {
  it('blocks a login from an address after 5 failures, then lets it in once the window passes on its clock', () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ perUser: 5, perAddress: 8, windowMs: 60_000 }, clock);
    for (let i = 0; i < 5; i++) {
      expect(l.check('10.0.0.1', 'ada')).toBeNull();
      l.fail('10.0.0.1', 'ada');
      clock.advance(1);
    }
    clock.advance(5);
    expect(l.check('10.0.0.1', 'ada')).toBe(60);
    expect(l.check('10.0.0.2', 'ada')).toBeNull();
    expect(l.check('10.0.0.1', 'otto')).toBeNull();
    clock.advance(10);
    for (let i = 0; i < 3; i++) l.fail('10.0.0.1', `u${i}`);
    clock.advance(10);
    expect(l.check('10.0.0.1', 'otto')).not.toBeNull();
    // The window is the injected clock's: one ms short of it ada still waits, at it she is let in.
    clock.advance(60_000 - 30 - 1);
    expect(l.check('10.0.0.1', 'ada')).toBe(1);
    clock.advance(1);
    expect(l.check('10.0.0.1', 'ada')).toBeNull();
  });
});

describe('relay paths', () => {
  it('re-encodes plain segments and refuses tricks', () => {
    expect(relayPathOf(['status'])).toBe('/status');
    expect(relayPathOf(['a b', 'c.jpg'])).toBe('/a%20b/c.jpg');
    expect(relayPathOf([''])).toBe('');
    expect(relayPathOf(['dir', ''])).toBe('/dir/');
    for (const bad of [['..'], ['%2e%2e'], ['a%2Fb'], ['a%5Cb'], ['%252e'], ['http:', '', 'evil'], ['', 'evil.com'], ['%00'], ['%E0%A4%A']]) {
      expect(() => relayPathOf(bad), bad.join('/')).toThrow(/relay refused/);
    }
  });
});
