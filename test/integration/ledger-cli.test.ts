import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { buildDeps, closeDeps } from '../../src/deps.js';
import { move } from '../../src/domain/ledger/journal.js';
import { createLogger } from '../../src/observability/logger.js';
import { runCli } from '../fixtures/cli.js';
import { postTransaction } from '../../src/services/ledger/post-transaction.js';
import { SYSTEM_ACCOUNTS } from '../../src/services/ledger/system-accounts.js';

describe('custos ledger check and platform credentials (CLI)', () => {
  it('passes on a sound ledger, exits 1 naming the problem on a tampered one; credentials are created once', async () => {
    if (process.env.TEST_DATABASE_URL) return; // the CLI test uses an embedded database directory
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-cli-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
    });
    const database = await openDatabase({ pgliteDir: config.pgliteDir });
    const deps = await buildDeps(config, { database, log: createLogger('silent'), defaultMetrics: false });
    await deps.db.transaction().execute((trx) =>
      postTransaction(trx, deps, {
        kind: 'test',
        actor: 'test',
        postings: move(SYSTEM_ACCOUNTS.chain, SYSTEM_ACCOUNTS.fees, 'BTC', 7n),
      }),
    );
    await closeDeps(deps);

    const sound = await runCli(dataDir, 'ledger', 'check');
    expect(sound.code).toBe(0);
    expect(sound.stdout).toContain('ledger consistent: 1 transactions, 2 postings');

    const created = await runCli(
      dataDir,
      'platform',
      'credentials',
      'create',
      '--name',
      'watcher',
      '--scopes',
      'deposits',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/svc_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}/);
    const listed = await runCli(dataDir, 'platform', 'credentials', 'list');
    expect(listed.stdout).toContain('watcher');
    expect(listed.stdout).not.toMatch(/svc_/); // the secret is never shown again
    expect(
      (await runCli(dataDir, 'platform', 'credentials', 'create', '--name', 'x', '--scopes', 'withdraw'))
        .code,
    ).not.toBe(0);

    const db2 = await openDatabase({ pgliteDir: config.pgliteDir });
    await sql`update ledger_balances set balance = balance + 1 where account_id = ${SYSTEM_ACCOUNTS.fees}`.execute(
      db2.db,
    );
    await db2.close();
    const tampered = await runCli(dataDir, 'ledger', 'check');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('LEDGER INCONSISTENT');
    expect(tampered.stdout).toContain('balance_mismatch');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);
});
