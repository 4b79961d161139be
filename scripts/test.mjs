#!/usr/bin/env node
// `npm test`: unit and property tests, then the integration suite on the embedded database
// (PGlite), then the integration suite again on PostgreSQL when one is reachable (with the tests
// that run several Custos processes on it), then the
// browser tests of the security center in Chromium against a real server on PGlite.
//
// PostgreSQL: TEST_DATABASE_URL, or the local default postgres://postgres@127.0.0.1:5432/test.
// Chromium: CHROMIUM_PATH, or Debian's /usr/bin/chromium.
// Outside CI a missing PostgreSQL or Chromium is skipped and said so; in CI (CI=true) it is a
// failure: nothing may be skipped there.
// The last line is the plain summary "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const ci = process.env.CI === 'true';
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';
const totals = { passed: 0, failed: 0, skipped: 0 };
const skippedRuns = [];
let exitCode = 0;

function vitest(label, args, env = {}) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'custos-vitest-')), 'report.json');
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      ...args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${out}`,
    ],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  if (r.status !== 0) exitCode = 1;
  try {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  } catch {
    console.error(`${label}: no test report was written`);
    exitCode = 1;
  }
}

async function postgresReachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Each test file on PostgreSQL works in a schema of its own (t_<12 hex>), left in place while the
 * suite runs (see test/fixtures/harness.ts); they are all dropped before and after the run.
 */
async function dropTestSchemas(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query(
      "select nspname from pg_namespace where nspname ~ '^t_[0-9a-f]{12}$'",
    );
    for (const { nspname } of rows) await client.query(`drop schema "${nspname}" cascade`);
  } finally {
    await client.end().catch(() => {});
  }
}

vitest('unit and property tests', ['--project', 'unit']);
/** The integration suite, then the timing comparisons alone so nothing else disturbs them. */
function integration(label, databaseUrl) {
  vitest(`integration tests on ${label}`, ['--project', 'integration'], { TEST_DATABASE_URL: databaseUrl });
  vitest(`timing tests on ${label}`, ['--project', 'timing'], { TEST_DATABASE_URL: databaseUrl });
}

integration('PGlite (embedded)', '');

const pgUrl = process.env.TEST_DATABASE_URL || DEFAULT_PG;
const reachable = await postgresReachable(pgUrl);
if (reachable === true) {
  await dropTestSchemas(pgUrl);
  integration(`PostgreSQL (${pgUrl.replace(/\/\/[^@]*@/, '//')})`, pgUrl);
  // Several Custos processes on one database: PostgreSQL only (an embedded database has one owner).
  vitest('multi-process tests on PostgreSQL', ['--project', 'multiprocess'], { TEST_DATABASE_URL: pgUrl });
  await dropTestSchemas(pgUrl);
} else if (ci) {
  console.error(`\nPostgreSQL is required in CI but not reachable at ${pgUrl}: ${reachable}`);
  exitCode = 1;
} else {
  skippedRuns.push(
    `the integration and multi-process suites on PostgreSQL: none reachable at ${pgUrl} (${reachable}). ` +
      'Start PostgreSQL, or set TEST_DATABASE_URL=postgres://user@host:port/db, and run npm test again.',
  );
}

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (fs.existsSync(chromium)) {
  // The browser tests drive the built app: build it when web/ changed since the last build.
  const build = spawnSync(process.execPath, ['scripts/build-web.mjs', '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('\nThe security center did not build: the browser tests cannot run.');
    exitCode = 1;
  } else {
    vitest('browser tests (Chromium) on PGlite', ['--project', 'e2e'], { CHROMIUM_PATH: chromium });
  }
} else if (ci) {
  console.error(`\nChromium is required in CI but missing at ${chromium}: the browser tests cannot run.`);
  exitCode = 1;
} else {
  skippedRuns.push(
    `the browser tests of the security center: no Chromium at ${chromium}. ` +
      'Install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH, and run npm test again.',
  );
}

if (skippedRuns.length) {
  console.log('\nSkipped:');
  for (const s of skippedRuns) console.log(`  - ${s}`);
}
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);
