/** Is an address + port rigmap itself (relay targets, notifier URLs)? */
import { describe, expect, it } from 'vitest';
import { isSelfTarget } from '../../src/topology/relay/self.ts';

describe('isSelfTarget', () => {
  it('matches rigmap\'s port on loopback in every spelling, its --host, and the unspecified address', () => {
    const self = { host: '0.0.0.0', ports: [4747] };
    for (const a of ['127.0.0.1', '127.32.6.5', 'localhost', 'LOCALHOST.', 'rig.localhost', '::1', '[::1]', '::ffff:127.0.0.1', '[::ffff:7f00:1]', '0.0.0.0', '::']) {
      expect(isSelfTarget(self, a, 4747), a).toBe(true);
    }
    expect(isSelfTarget(self, '127.0.0.1', 4748)).toBe(false);
    expect(isSelfTarget({ host: '192.0.2.10', ports: [80, 4747] }, '192.0.2.10', 80)).toBe(true);
    expect(isSelfTarget({ host: '192.0.2.10', ports: [4747] }, '192.0.2.11', 4747)).toBe(false);
    expect(isSelfTarget({ host: 'rig-mac.local', ports: [4747] }, 'rig-mac.local', 4747)).toBe(true);
  });
});
