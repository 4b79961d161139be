import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/property/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/enumeration.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file opens its own database (PGlite in memory, or a fresh PostgreSQL schema).
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        // Several real Custos processes on one PostgreSQL (scripts/test.mjs runs it there only).
        test: {
          name: 'multiprocess',
          include: ['test/multiprocess/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
      {
        // Timing comparisons run alone, after everything else, so other test files do not
        // disturb the measurements.
        test: {
          name: 'timing',
          include: ['test/integration/enumeration.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
      {
        // The security center in Chromium against a real server: one file at a time.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
    ],
  },
});
