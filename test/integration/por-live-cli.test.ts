import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../src/adapters/crypto/por-crypto.js';
import { verifyManifest } from '../../src/domain/reserves/verify.js';
import { runCli } from '../fixtures/cli.js';

describe('custos por snapshot, wallets, manifest and public-key (CLI, live platform)', () => {
  it('registers a wallet, takes a snapshot and prints its manifest, which verifies under the printed key', async () => {
    if (process.env.TEST_DATABASE_URL) return; // the CLI test uses an embedded database directory
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-por-cli-'));
    const added = await runCli(
      dataDir,
      'por',
      'wallets',
      'add',
      '--asset',
      'BTC',
      '--label',
      'cold 1',
      '--address',
      'bc1q-cold',
      '--balance',
      '150000000',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/wallet [0-9a-f-]{36} registered for BTC/);
    const refused = await runCli(
      dataDir,
      'por',
      'wallets',
      'add',
      '--asset',
      'DOGE',
      '--label',
      'x',
      '--address',
      'y',
      '--balance',
      '1',
    );
    expect(refused.code).toBe(1);
    expect((await runCli(dataDir, 'por', 'wallets', 'list')).stdout).toContain('bc1q-cold  150000000');

    const snapshot = await runCli(dataDir, 'por', 'snapshot');
    expect(snapshot.code).toBe(0);
    expect(snapshot.stdout).toMatch(/snapshot \S+Z published/);
    expect(snapshot.stdout).toMatch(/BTC .*reserves 1\.5 .*ratio n\/a \(no liabilities\)/);

    const key = (await runCli(dataDir, 'por', 'public-key')).stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const manifest = await runCli(dataDir, 'por', 'manifest');
    expect(verifyManifest(nodePorCrypto, JSON.parse(manifest.stdout), key).valid).toBe(true);
    expect((await runCli(dataDir, 'por', 'snapshots')).stdout).toMatch(/published operator cli/);
  }, 120_000);
});
