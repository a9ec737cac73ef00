import { describe, expect, it } from 'vitest';
import { deriveDeviceState } from '../../src/topology/probes/device-state.ts';
import { PathMachine } from '../../src/topology/probes/path-machine.ts';
import { isInScope, parseProbeScope } from '../../src/topology/probes/scope.ts';
import type { PathHealth } from '../../src/topology/health-types.ts';

const opts = { failuresToDown: 2, successesToUp: 1, flapThreshold: 3, flapWindowMs: 60_000 };
const poll = { reason: 'no answer from /api/v1/status within 1.0 s', category: 'timeout', immediate: false };
const refused = { reason: 'connect ECONNREFUSED 127.33.24.4:8080', category: 'refused', immediate: true };

describe('path state machine', () => {
  it('goes down after K failed polls, not before', () => {
    const m = new PathMachine(opts);
    expect(m.succeed(0, 3, 'HTTP 200')).toEqual({ from: 'unknown', to: 'up', reason: 'HTTP 200' });
    expect(m.fail(1, poll)).toBeNull();
    expect(m.state).toBe('up');
    expect(m.fail(2, poll)).toEqual({ from: 'up', to: 'down', reason: poll.reason });
  });

  it('goes down at once on a refused connection and keeps the reason', () => {
    const m = new PathMachine(opts);
    m.succeed(0, 1, 'ok');
    expect(m.fail(1, refused)?.to).toBe('down');
    expect(m.lastError).toBe('connect ECONNREFUSED 127.33.24.4:8080');
  });

  it('a success in between resets the failure count', () => {
    const m = new PathMachine(opts);
    m.succeed(0, 1, 'ok');
    m.fail(1, poll);
    m.succeed(2, 1, 'ok');
    expect(m.fail(3, poll)).toBeNull();
    expect(m.state).toBe('up');
  });

  it('stream events do not cancel failed polls: a node beating on its stream but failing /status goes down after K', () => {
    const m = new PathMachine({ ...opts, failuresToDown: 3 });
    m.succeed(0, 1, 'HTTP 200 from /api/v1/status');
    for (let i = 1; i <= 3; i++) {
      m.fail(i * 10, { ...poll, reason: 'unreadable answer from /api/v1/status (not a camera-node status)', category: 'bad_answer' });
      m.succeed(i * 10 + 1, null, 'heartbeat received', 'stream');
      m.succeed(i * 10 + 2, null, 'heartbeat received', 'stream');
    }
    expect(m.state).toBe('down');
    expect(m.lastError).toMatch(/unreadable answer from \/api\/v1\/status/);
    // More beats do not bring it back while /status still fails; a poll that answers does.
    expect(m.succeed(50, null, 'heartbeat received', 'stream')).toBeNull();
    expect(m.state).toBe('down');
    expect(m.succeed(60, 2, 'HTTP 200 from /api/v1/status')?.to).toBe('up');
  });

  it('a stream failure does not count toward K and a stream hello brings a path up when polls answer', () => {
    const m = new PathMachine(opts);
    m.succeed(0, 1, 'ok');
    expect(m.fail(1, { reason: 'heartbeat silent for 2.5 s', category: 'heartbeat_silent', immediate: true, source: 'stream' })?.to).toBe('down');
    expect(m.succeed(2, null, 'event stream open', 'stream')?.to).toBe('up');
    expect(m.fail(3, poll)).toBeNull();
    expect(m.state).toBe('up');
  });

  it('needs M successes to come back', () => {
    const m = new PathMachine({ ...opts, successesToUp: 3 });
    m.fail(0, refused);
    expect(m.succeed(1, 1, 'ok')).toBeNull();
    expect(m.succeed(2, 1, 'ok')).toBeNull();
    expect(m.succeed(3, 1, 'ok')?.to).toBe('up');
  });

  it('flags flapping after more than F changes in W and holds it until the window is quiet', () => {
    const m = new PathMachine(opts);
    m.succeed(0, 1, 'ok');
    for (let i = 1; i <= 4; i++) {
      if (i % 2) m.fail(i * 1000, refused);
      else m.succeed(i * 1000, 1, 'ok');
    }
    expect(m.flapping).toBe(true);
    expect(m.tick(30_000)).toBe(false);
    expect(m.flapping).toBe(true);
    expect(m.tick(4000 + 60_001)).toBe(true);
    expect(m.flapping).toBe(false);
  });
});

describe('device state', () => {
  const path = (state: PathHealth['state'], flapping = false): PathHealth => ({
    network: 'lan', address: '127.0.0.1', service: 'camera-node', port: 1, state, latencyMs: null, lastError: null, since: null, flapping, heartbeatAgeMs: null,
  });
  it('derives up, degraded, down, unknown and flapping', () => {
    expect(deriveDeviceState([path('up'), path('up')])).toBe('up');
    expect(deriveDeviceState([path('up'), path('down')])).toBe('degraded');
    expect(deriveDeviceState([path('down'), path('down')])).toBe('down');
    expect(deriveDeviceState([path('down'), path('out_of_scope')])).toBe('down');
    expect(deriveDeviceState([path('out_of_scope')])).toBe('unknown');
    expect(deriveDeviceState([])).toBe('unknown');
    expect(deriveDeviceState([path('up', true), path('up')])).toBe('flapping');
  });
});

describe('probe scope', () => {
  it('limits contact to the given CIDRs', () => {
    const scope = parseProbeScope('127.0.0.0/8, 10.1.0.0/16');
    expect(isInScope(scope, '127.33.24.4')).toBe(true);
    expect(isInScope(scope, '10.1.2.3')).toBe(true);
    expect(isInScope(scope, '100.101.1.2')).toBe(false);
    expect(isInScope(scope, 'cam-a.local')).toBe(false);
    expect(isInScope(parseProbeScope(''), '100.101.1.2')).toBe(true);
  });
  it('names a bad range', () => {
    expect(() => parseProbeScope('127.0.0.0/8,banana')).toThrow(/"banana" is not a CIDR/);
  });
});
