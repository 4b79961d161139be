import { loadConfig } from '../config.js';
import { buildDeps, closeDeps, type Deps } from '../deps.js';
import { createLogger } from '../observability/logger.js';

/** Runs one CLI command with the platform's dependencies (database, keys), closed afterwards. */
export async function withDeps(fn: (deps: Deps) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const deps = await buildDeps(config, {
    log: createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr as never),
    defaultMetrics: false,
  });
  try {
    await fn(deps);
  } finally {
    await closeDeps(deps);
  }
}
