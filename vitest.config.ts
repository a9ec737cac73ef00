import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests that open sockets and databases are isolated per file; two cores here.
    pool: 'forks',
  },
});
