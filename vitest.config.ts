import { defineConfig } from 'vitest/config';

// Most test files wait on sockets, timers of real peers and child processes, not on the CPU,
// so on a 2-core box three files at a time finish far sooner than two (four loaded the box
// enough that real-time recoveries missed their bounds). Browser (e2e) and network-namespace
// (lab) files are heavy: they run after the rest, three at a time again.
const shared = {
  testTimeout: 20_000,
  hookTimeout: 20_000,
  // Tests that open sockets and databases are isolated per file.
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit+integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/lab/**'],
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      // Browser and network-namespace files after the rest (Chromium and the lab's processes are
      // heavy), again three at a time: each e2e file's simulated rig has its own range (see
      // test-addresses.test.ts) and each lab file its own namespaces and 198.18/15 octet.
      {
        test: {
          ...shared,
          name: 'e2e+lab',
          include: ['test/e2e/**/*.test.ts', 'test/lab/**/*.test.ts'],
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
