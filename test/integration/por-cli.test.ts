import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = path.resolve('bin/custos.mjs');

/** Runs `custos …` as an auditor would (no database); never throws. */
/** `custos por verify PROOF --manifest MANIFEST --public-key KEY`. */
const verifyOne = (proof: string, manifest: string, publicKey: string) =>
  custos('por', 'verify', proof, '--manifest', manifest, '--public-key', publicKey);

async function custos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ASSETS: 'BTC:8:bitcoin,ETH:18:ethereum',
  };
  try {
    const r = await run(process.execPath, [bin, ...args], { env, maxBuffer: 1 << 26 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-por-cli-'));
const at = (...parts: string[]) => path.join(tmp, ...parts);
const read = (...parts: string[]) => fs.readFileSync(at(...parts), 'utf8');

const LIABILITIES = [
  'user_id,asset,amount',
  'alice,BTC,150000000',
  'bob,BTC,2500',
  'carol,BTC,0',
  'carol,ETH,1000000000000000000',
  'alice,ETH,5',
  '"d,ave",BTC,77',
  ...Array.from({ length: 40 }, (_, i) => `user-${i},ETH,${i + 1}`),
].join('\n');
const RESERVES = 'asset,amount\nBTC,160000000\nETH,2000000000000000000\n';
const SEED = 'ab'.repeat(32);

/** Every file of a build, by relative path. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {
    'manifest.json': fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'),
  };
  for (const f of fs.readdirSync(path.join(dir, 'proofs')).sort()) {
    out[`proofs/${f}`] = fs.readFileSync(path.join(dir, 'proofs', f), 'utf8');
  }
  return out;
}

function copyDir(from: string, to: string) {
  fs.cpSync(at(from), at(to), { recursive: true });
}

let publicKey = '';

beforeAll(async () => {
  fs.writeFileSync(at('liabilities.csv'), LIABILITIES);
  fs.writeFileSync(at('reserves.csv'), RESERVES);
  fs.writeFileSync(at('salt-secret.hex'), `${'5a'.repeat(32)}\n`);
  const built = await custos(
    'por',
    'build',
    '--liabilities',
    at('liabilities.csv'),
    '--reserves',
    at('reserves.csv'),
    '--out',
    at('snapshot'),
    '--new-key-out',
    at('signing.pem'),
    '--snapshot-id',
    '2026-11-21T00:00:00Z',
  );
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  publicKey = /public key: ([0-9a-f]{64})/.exec(built.stdout)![1]!;
}, 120_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('custos por build and verify (offline)', () => {
  it('builds a signed manifest and one proof per non-zero liability, which verify --all accepts', async () => {
    expect((fs.statSync(at('signing.pem')).mode & 0o777).toString(8)).toBe('600');
    const manifest = JSON.parse(read('snapshot', 'manifest.json'));
    expect(manifest.public_key).toBe(publicKey);
    expect(
      manifest.assets.map((a: { asset: string; leaf_count: number }) => [a.asset, a.leaf_count]),
    ).toEqual([
      ['BTC', 3],
      ['ETH', 42],
    ]);
    expect(read('snapshot', 'proofs', 'BTC.jsonl').trim().split('\n')).toHaveLength(3);
    expect(read('snapshot', 'proofs', 'BTC.jsonl')).toContain('"user_id":"d,ave"');
    expect(fs.readdirSync(tmp).filter((n) => n.includes('.partial-'))).toEqual([]);

    const all = await custos('por', 'verify', '--all', at('snapshot'), '--public-key', publicKey);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('VALID: all 45 proofs verify against the manifest');

    fs.writeFileSync(at('one.json'), read('snapshot', 'proofs', 'BTC.jsonl').split('\n')[0]!);
    const one = await verifyOne(at('one.json'), at('snapshot', 'manifest.json'), publicKey);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(
      /^VALID: user ".*" is included with [0-9.]+ BTC in snapshot 2026-11-21T00:00:00Z/,
    );
  }, 60_000);

  it('Security: a tampered proof line is caught with its file and line', async () => {
    copyDir('snapshot', 'tampered-proof');
    const file = at('tampered-proof', 'proofs', 'ETH.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const proof = JSON.parse(lines[4]!);
    proof.value = (BigInt(proof.value) + 1n).toString(); // a user shown more than they are owed
    lines[4] = JSON.stringify(proof);
    fs.writeFileSync(file, lines.join('\n'));
    const r = await custos('por', 'verify', '--all', at('tampered-proof'), '--public-key', publicKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${file}:5: ROOT_MISMATCH: The proof does not lead to the root published in the manifest.`,
    );
    expect(r.stdout).toContain('INVALID: 1 rejection(s)');
  }, 60_000);

  it('Security: a liability removed from the published proofs is caught', async () => {
    copyDir('snapshot', 'removed');
    const file = at('removed', 'proofs', 'BTC.jsonl');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    fs.writeFileSync(file, `${lines.slice(1).join('\n')}\n`);
    const r = await custos('por', 'verify', '--all', at('removed'), '--public-key', publicKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('LEAF_COUNT_MISMATCH');
    expect(r.stdout).toContain('BTC: 2 proofs, leaf_count 3');
  }, 60_000);

  it('Security: a proof repeated in place of another is caught', async () => {
    copyDir('snapshot', 'duplicated');
    const file = at('duplicated', 'proofs', 'BTC.jsonl');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    lines[2] = lines[0]!;
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await custos('por', 'verify', '--all', at('duplicated'), '--public-key', publicKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}:3: DUPLICATE_INDEX`);
  }, 60_000);

  it('Security: a proof placed in another asset’s file is caught', async () => {
    copyDir('snapshot', 'moved-asset');
    const eth = fs
      .readFileSync(at('moved-asset', 'proofs', 'ETH.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const btc = at('moved-asset', 'proofs', 'BTC.jsonl');
    fs.appendFileSync(btc, `${eth[0]}\n`);
    const r = await custos('por', 'verify', '--all', at('moved-asset'), '--public-key', publicKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${btc}:4: WRONG_FILE`);
  }, 60_000);

  it('Security: a tampered manifest is refused (a lowered total, a swapped root)', async () => {
    copyDir('snapshot', 'tampered-manifest');
    const file = at('tampered-manifest', 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    manifest.assets[0].root_hash = 'f'.repeat(64);
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
    const r = await custos('por', 'verify', '--all', at('tampered-manifest'), '--public-key', publicKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}: BAD_SIGNATURE: The manifest signature does not verify.`);

    manifest.assets[0].total_liabilities = '1';
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
    const lowered = await custos(
      'por',
      'verify',
      '--all',
      at('tampered-manifest'),
      '--public-key',
      publicKey,
    );
    expect(lowered.code).toBe(1);
    expect(lowered.stdout).toContain('MALFORMED_MANIFEST'); // the ratio no longer matches the amounts
  }, 60_000);

  it('Security: a manifest checked under another public key is refused', async () => {
    const r = await custos('por', 'verify', '--all', at('snapshot'), '--public-key', '0'.repeat(64));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'PUBLIC_KEY_MISMATCH: The manifest was not published under the public key you trust.',
    );
  }, 60_000);

  it('Security: a proof moved to another snapshot is refused', async () => {
    const other = await custos(
      'por',
      'build',
      '--liabilities',
      at('liabilities.csv'),
      '--reserves',
      at('reserves.csv'),
      '--out',
      at('other-snapshot'),
      '--key',
      at('signing.pem'),
      '--snapshot-id',
      '2026-11-22T00:00:00Z',
    );
    expect(other.code).toBe(0);
    fs.writeFileSync(at('old.json'), read('snapshot', 'proofs', 'ETH.jsonl').split('\n')[0]!);
    const r = await verifyOne(at('old.json'), at('other-snapshot', 'manifest.json'), publicKey);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'INVALID: SNAPSHOT_MISMATCH: The proof belongs to another snapshot than the manifest.',
    );
  }, 60_000);

  it('reports every bad row with its file and line, and writes nothing', async () => {
    const bad = [
      'user_id,asset,amount',
      'alice,BTC,-1',
      'bob,BTC,1.5',
      'carol,BTC,007',
      ',BTC,5',
      'dave,BTC',
      'erin,BTC,5',
      'erin,BTC,6',
      `frank,BTC,${1n << 128n}`,
      'gina,DOGE,5',
    ].join('\n');
    fs.writeFileSync(at('bad.csv'), bad);
    const r = await custos(
      'por',
      'build',
      '--liabilities',
      at('bad.csv'),
      '--reserves',
      at('reserves.csv'),
      '--out',
      at('never'),
      '--new-key-out',
      at('never.pem'),
    );
    expect(r.code).toBe(1);
    const f = at('bad.csv');
    expect(r.stderr.trim().split('\n')).toEqual([
      `${f}:2: amount "-1" is negative`,
      `${f}:3: amount "1.5" is not a whole number of the smallest unit`,
      `${f}:4: amount "007" has leading zeros`,
      `${f}:5: the user id is empty`,
      `${f}:6: expected 3 fields (user_id,asset,amount), found 2`,
      `${f}:8: a second BTC row for user "erin"`,
      `${f}:9: amount "${1n << 128n}" is 2^128 or more`,
      `${f}:10: asset DOGE has liabilities but no line in ${at('reserves.csv')}`,
      '8 problem(s) in the inputs; nothing was written',
    ]);
    expect(fs.existsSync(at('never'))).toBe(false);
    expect(fs.existsSync(at('never.pem'))).toBe(false);
    expect(fs.readdirSync(tmp).filter((n) => n.includes('.partial-'))).toEqual([]);
  }, 60_000);

  it('gives byte-identical output for the same inputs, seed, salt secret, key and snapshot id', async () => {
    const args = (out: string, threads: string) => [
      'por',
      'build',
      '--liabilities',
      at('liabilities.csv'),
      '--reserves',
      at('reserves.csv'),
      '--out',
      at(out),
      '--key',
      at('signing.pem'),
      '--snapshot-id',
      '2026-11-21T00:00:00Z',
      '--seed',
      SEED,
      '--salt-secret',
      at('salt-secret.hex'),
      '--min-height',
      '7',
      '--threads',
      threads,
    ];
    const [first, second, threaded] = await Promise.all([
      custos(...args('same-1', '0')),
      custos(...args('same-2', '0')),
      custos(...args('same-threads', '2')),
    ]);
    for (const r of [first, second, threaded]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('warning: --seed is set');
    }
    const files = filesOf(at('same-1'));
    expect(JSON.parse(files['manifest.json']!).assets[0].height).toBe(7);
    expect(filesOf(at('same-2'))).toEqual(files);
    // The worker-thread path writes the very same bytes as the single-thread one.
    expect(filesOf(at('same-threads'))).toEqual(files);
  }, 120_000);

  it('refuses a non-empty output directory unless --force, and never overwrites a key', async () => {
    const base = ['por', 'build', '--liabilities', at('liabilities.csv'), '--reserves', at('reserves.csv')];
    const busy = await custos(...base, '--out', at('snapshot'), '--key', at('signing.pem'));
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(`error: ${at('snapshot')} is not empty (use --force to replace it)\n`);

    const key = await custos(...base, '--out', at('fresh'), '--new-key-out', at('signing.pem'));
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('exists already; a key is never overwritten');
    const noKey = await custos(...base, '--out', at('fresh'));
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('without --key, --new-key-out FILE is required');

    copyDir('snapshot', 'replaced');
    const forced = await custos(...base, '--out', at('replaced'), '--key', at('signing.pem'), '--force');
    expect(forced.code).toBe(0);
    expect(read('replaced', 'manifest.json')).not.toBe(read('snapshot', 'manifest.json'));
  }, 120_000);

  it('takes decimals from --decimals or the configured assets, and names an asset with neither', async () => {
    fs.writeFileSync(at('doge.csv'), 'user_id,asset,amount\nu,DOGE,5\nu,BTC,1\n');
    fs.writeFileSync(at('doge-reserves.csv'), 'asset,amount\nDOGE,5\nBTC,1\n');
    const base = ['por', 'build', '--liabilities', at('doge.csv'), '--reserves', at('doge-reserves.csv')];
    const missing = await custos(...base, '--out', at('doge'), '--key', at('signing.pem'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'error: no decimals for DOGE: give them with --decimals (e.g. --decimals DOGE=8)\n',
    );
    const given = await custos(
      ...base,
      '--out',
      at('doge'),
      '--key',
      at('signing.pem'),
      '--decimals',
      'DOGE=8',
    );
    expect(given.code).toBe(0);
    const assets = JSON.parse(read('doge', 'manifest.json')).assets;
    expect(assets.map((a: { decimals: number }) => a.decimals)).toEqual([8, 8]);
  }, 120_000);
});
