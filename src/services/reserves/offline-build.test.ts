import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { buildSnapshot, proofsOf, type SnapshotInput } from '../../domain/reserves/build.js';
import { lp } from '../../domain/reserves/encoding.js';
import { deriveSalt, hmacSha256, userCommitment } from '../../domain/reserves/hashing.js';
import { serializeManifest, signManifest } from '../../domain/reserves/manifest.js';
import { serializeProof } from '../../domain/reserves/proof.js';
import { LiabilityTableBuilder, userIdAt } from './liability-table.js';
import { type BuildInputs, readBuildInputs, writeSnapshotFiles } from './offline-build.js';
import { computeUserKeys } from './por-tasks.js';
import { inlineRunner, type PorTaskRunner, workerPool } from './tree-workers.js';

const sha256 = nodePorCrypto.sha256;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-por-build-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const der = publicKey.export({ type: 'spki', format: 'der' });
const publicKeyHex = der.subarray(der.length - 32).toString('hex');
const signBytes = (m: Uint8Array) => sign(null, m, privateKey).toString('hex');

/** A small deterministic generator, so that a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const ODD_IDS = [
  'quote"d',
  'back\\slash',
  'tab\there',
  'new\nline',
  'é-accent',
  '日本',
  '🙂',
  'ctl\u0001',
  '\u007f',
];

function randomRows(seed: number, users: number, assets: readonly string[]) {
  const r = rng(seed);
  const rows: { user: string; asset: string; amount: bigint }[] = [];
  for (let u = 0; u < users; u++) {
    const user = u < ODD_IDS.length ? ODD_IDS[u]! : `user-${u}`;
    for (const asset of assets) {
      const x = r();
      if (x < 0.3) continue;
      let amount: bigint;
      if (x < 0.35) amount = 0n;
      else if (x < 0.4) amount = (1n << 100n) + BigInt(Math.floor(r() * 1e9));
      else amount = BigInt(1 + Math.floor(r() * 1e12));
      rows.push({ user, asset, amount });
    }
  }
  return rows;
}

function inputsOf(rows: ReturnType<typeof randomRows>, reserves: Record<string, bigint>): BuildInputs {
  const builder = new LiabilityTableBuilder();
  for (const row of rows) expect(builder.addRow(row.user, row.asset, row.amount)).toBe(true);
  const assets = Object.keys(reserves).sort();
  return {
    table: builder.freeze(assets),
    reserves: new Map(Object.entries(reserves)),
    rows: rows.length,
    zeroRows: rows.filter((r) => r.amount === 0n).length,
  };
}

const options = {
  snapshotId: '2026-11-21T00:00:00Z',
  takenAt: '2026-11-21T00:00:00Z',
  decimals: new Map([
    ['BTC', 8],
    ['ETH', 18],
    ['XRP', 6],
  ]),
  minHeight: 1,
  shuffleSeed: new Uint8Array(32).fill(7),
  buildSecret: new Uint8Array(32).fill(9),
  publicKeyHex,
  sign: signBytes,
};

async function build(inputs: BuildInputs, runner: PorTaskRunner, name: string) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  try {
    await writeSnapshotFiles(inputs, dir, { ...options, runner });
  } finally {
    await runner.close();
  }
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const files: Record<string, string> = { 'manifest.json': read('manifest.json') };
  for (const f of fs.readdirSync(path.join(dir, 'proofs'))) files[`proofs/${f}`] = read(`proofs/${f}`);
  return files;
}

/** What the domain's reference builder writes for the same rows, seed and secret. */
function reference(inputs: BuildInputs) {
  const { table } = inputs;
  const userIds = Array.from({ length: table.userCount }, (_, u) => userIdAt(table, u));
  const input: SnapshotInput = {
    snapshotId: options.snapshotId,
    takenAt: options.takenAt,
    userIds,
    saltOf: (u) =>
      deriveSalt(sha256, hmacSha256(sha256, options.buildSecret, lp(userIds[u]!)), options.snapshotId),
    shuffleSeed: options.shuffleSeed,
    assets: table.assets.map((c) => {
      const values: bigint[] = [];
      for (let e = 0; e < c.count; e++) {
        const l = c.limbs;
        values.push(
          (BigInt(l[4 * e]!) << 96n) |
            (BigInt(l[4 * e + 1]!) << 64n) |
            (BigInt(l[4 * e + 2]!) << 32n) |
            BigInt(l[4 * e + 3]!),
        );
      }
      return {
        asset: c.asset,
        decimals: options.decimals.get(c.asset)!,
        reserves: inputs.reserves.get(c.asset)!,
        users: c.users,
        values,
      };
    }),
  };
  const built = buildSnapshot(sha256, input);
  const files: Record<string, string> = {
    'manifest.json': serializeManifest(signManifest(built.unsigned, publicKeyHex, signBytes)),
  };
  for (const asset of built.assets) {
    let text = '';
    for (const p of proofsOf(input, asset)) text += `${serializeProof(p)}\n`;
    files[`proofs/${asset.line.asset}.jsonl`] = text;
  }
  return files;
}

describe('offline build engine', () => {
  // Over 1024 leaves per asset, so that the proof writer's blocks (1024 positions) are crossed.
  const rows = randomRows(1, 1800, ['BTC', 'ETH']);
  const inputs = inputsOf(rows, { BTC: 10n ** 12n, ETH: 0n, XRP: 5n });

  it('writes byte for byte what the domain reference builder gives (one thread)', async () => {
    const files = await build(inputs, inlineRunner(), 'inline');
    expect(Object.keys(files).sort()).toEqual([
      'manifest.json',
      'proofs/BTC.jsonl',
      'proofs/ETH.jsonl',
      'proofs/XRP.jsonl',
    ]);
    expect(files).toEqual(reference(inputs));
  });

  it('writes the same bytes from worker threads as on one thread', async () => {
    const single = await build(inputs, inlineRunner(), 'single');
    const threaded = await build(inputs, workerPool(2), 'threads');
    expect(threaded).toEqual(single);
  }, 60_000);

  it('matches the reference with a large minimum height and a single leaf', async () => {
    const one = inputsOf([{ user: 'solo', asset: 'BTC', amount: 5n }], { BTC: 5n });
    const dir = path.join(tmp, 'solo');
    fs.mkdirSync(dir);
    await writeSnapshotFiles(one, dir, { ...options, minHeight: 12, runner: inlineRunner() });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.assets[0]).toMatchObject({
      asset: 'BTC',
      height: 12,
      leaf_count: 1,
      total_liabilities: '5',
    });
    const proof = JSON.parse(fs.readFileSync(path.join(dir, 'proofs/BTC.jsonl'), 'utf8'));
    expect(proof.path).toHaveLength(12);
  });

  it('computes user commitments as userCommitment does', () => {
    const { table } = inputs;
    const salts = new Uint8Array(32 * table.userCount);
    const uids = new Uint8Array(32 * table.userCount);
    computeUserKeys(sha256, {
      kind: 'userKeys',
      ...table,
      snapshotId: options.snapshotId,
      buildSecret: options.buildSecret,
      from: 0,
      to: table.userCount,
      salts,
      uids,
    });
    for (let u = 0; u < table.userCount; u++) {
      if (!table.hasLeaf[u]) continue;
      const salt = salts.subarray(32 * u, 32 * u + 32);
      const expected = userCommitment(sha256, options.snapshotId, userIdAt(table, u), salt);
      expect(Buffer.from(uids.subarray(32 * u, 32 * u + 32)).toString('hex')).toBe(
        Buffer.from(expected).toString('hex'),
      );
    }
  });
});

describe('reading the inputs of a build', () => {
  const files = (liabilities: string, reservesCsv: string) => {
    const dir = fs.mkdtempSync(path.join(tmp, 'inputs-'));
    fs.writeFileSync(path.join(dir, 'l.csv'), liabilities);
    fs.writeFileSync(path.join(dir, 'r.csv'), reservesCsv);
    return { liabilities: path.join(dir, 'l.csv'), reserves: path.join(dir, 'r.csv') };
  };

  it('lists the assets of each file in name order, one with reserves only included', async () => {
    const f = files('user_id,asset,amount\nu,ETH,1\nu,BTC,2\n', 'asset,amount\nETH,1\nBTC,2\nXRP,3\n');
    const read = await readBuildInputs(f);
    expect(read.problems).toBeUndefined();
    expect(read.inputs!.table.assets.map((a) => [a.asset, a.count])).toEqual([
      ['BTC', 1],
      ['ETH', 1],
      ['XRP', 0],
    ]);
  });

  it('refuses an asset with liabilities but no reserves line, naming its first line', async () => {
    const f = files('user_id,asset,amount\nu,BTC,1\nu,DOGE,0\nv,DOGE,4\n', 'asset,amount\nBTC,1\n');
    const read = await readBuildInputs(f);
    expect(read.problems!.lines()).toEqual([
      `${f.liabilities}:3: asset DOGE has liabilities but no line in ${f.reserves}`,
    ]);
  });

  it('refuses two assets whose names differ only in case (their proof files would collide)', async () => {
    const f = files('user_id,asset,amount\nu,BTC,1\nu,btc,1\n', 'asset,amount\nBTC,1\nbtc,1\n');
    const read = await readBuildInputs(f);
    expect(read.problems!.lines()).toEqual([`${f.reserves}:3: assets BTC and btc differ only in case`]);
  });

  it('refuses liabilities of one asset adding up to 2^128 or more', async () => {
    const max = (1n << 128n) - 1n;
    const f = files(`user_id,asset,amount\nu,BTC,${max}\nv,BTC,1\n`, 'asset,amount\nBTC,1\n');
    const read = await readBuildInputs(f);
    expect(read.problems!.lines()).toEqual([`${f.liabilities}: the BTC liabilities add up to 2^128 or more`]);
  });

  it('reports bad rows of both files in one pass', async () => {
    const f = files('user_id,asset,amount\nu,BTC,-1\nu,ETH,1\n', 'asset,amount\nBTC,01\nETH,1\n');
    const read = await readBuildInputs(f);
    expect(read.problems!.lines()).toEqual([
      `${f.liabilities}:2: amount "-1" is negative`,
      `${f.reserves}:2: amount "01" has leading zeros`,
    ]);
  });
});
