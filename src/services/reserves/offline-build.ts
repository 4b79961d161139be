import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { HASH_BYTES, POR_VERSION, reserveRatio, toHex, treeHeight } from '../../domain/reserves/encoding.js';
import {
  type Manifest,
  type ManifestAsset,
  serializeManifest,
  signManifest,
} from '../../domain/reserves/manifest.js';
import { hashLevelsAbove, nodeHash, nodeValue, type TreeLevel } from '../../domain/reserves/sum-tree.js';
import { verifyManifest, verifyProofAgainst } from '../../domain/reserves/verify.js';
import {
  describeFsError,
  feedFile,
  InputProblems,
  LiabilitiesCsvParser,
  ReservesCsvParser,
} from './csv-input.js';
import { type LiabilityTable, LiabilityTableBuilder } from './liability-table.js';
import type { PorTaskRunner } from './tree-workers.js';

/** Reports the progress of one piece of a build (a bar on a terminal, a line in a log). */
export interface Progress {
  task(label: string, total: number): ProgressTask;
}

export interface ProgressTask {
  advance(n: number): void;
  done(): void;
}

const silent: Progress = { task: () => ({ advance: () => undefined, done: () => undefined }) };

/** A task reported from its first step on, not from when it was queued behind others. */
function startedOnFirstStep(progress: Progress, label: string, total: number): ProgressTask {
  let task: ProgressTask | undefined;
  return {
    advance(n) {
      (task ??= progress.task(label, total)).advance(n);
    },
    done() {
      (task ??= progress.task(label, total)).done();
    },
  };
}

export interface BuildInputs {
  readonly table: LiabilityTable;
  readonly reserves: ReadonlyMap<string, bigint>;
  /** Data rows read, zero rows among them (no leaf), and distinct users. */
  readonly rows: number;
  readonly zeroRows: number;
}

/**
 * Reads and checks the two CSV files of an offline build. Returns the inputs, or the problems
 * found (each with its file and line) when there is any: then nothing may be built.
 *
 * Beyond each row's own checks: every asset with liabilities needs a reserves line; two asset
 * names may not differ only in case (their proof files would collide on some file systems); an
 * asset's liabilities must add up to less than 2^128.
 */
export async function readBuildInputs(
  files: { readonly liabilities: string; readonly reserves: string },
  progress: Progress = silent,
): Promise<{ inputs: BuildInputs; problems?: undefined } | { inputs?: undefined; problems: InputProblems }> {
  const problems = new InputProblems();
  let size = 0;
  try {
    size = (await stat(files.liabilities)).size;
  } catch {
    // feedFile reports an unreadable file.
  }
  // About 24 bytes a row ("user-00001234,BTC,150000000"); reserving more than is used costs nothing.
  const builder = new LiabilityTableBuilder({ expectedRows: Math.ceil(size / 24), idBytes: size });
  const liabilities = new LiabilitiesCsvParser(files.liabilities, builder, problems);
  let reading: ProgressTask | undefined;
  let seen = 0;
  await feedFile(files.liabilities, liabilities, (read, total) => {
    reading ??= progress.task(`reading ${files.liabilities}`, total);
    reading.advance(read - seen);
    seen = read;
  });
  reading?.done();
  const reservesParser = new ReservesCsvParser(files.reserves, problems);
  await feedFile(files.reserves, reservesParser);
  const reserves = reservesParser.reserves;

  const named = builder.assetLines();
  for (const { asset, firstLine } of named) {
    if (!reserves.has(asset) && !reservesParser.namedInBadRows.has(asset)) {
      problems.add(
        files.liabilities,
        firstLine,
        `asset ${asset} has liabilities but no line in ${files.reserves}`,
      );
    }
  }
  const byFolded = new Map<string, string>();
  for (const asset of new Set([...named.map((n) => n.asset), ...reserves.keys()])) {
    const other = byFolded.get(asset.toLowerCase());
    if (other) {
      problems.add(
        files.reserves,
        reserves.get(asset)?.line ?? 0,
        `assets ${other} and ${asset} differ only in case`,
      );
    } else byFolded.set(asset.toLowerCase(), asset);
  }
  for (const asset of builder.overflowingAssets()) {
    problems.add(files.liabilities, 0, `the ${asset} liabilities add up to 2^128 or more`);
  }
  if (problems.count) return { problems };

  const assets = [...reserves.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    inputs: {
      table: builder.freeze(assets),
      reserves: new Map([...reserves].map(([asset, line]) => [asset, line.amount])),
      rows: liabilities.rows,
      zeroRows: liabilities.zeroRows,
    },
  };
}

export interface OfflineBuildOptions {
  readonly snapshotId: string;
  readonly takenAt: string;
  /** Decimals of every asset of the inputs. */
  readonly decimals: ReadonlyMap<string, number>;
  /** The smallest tree height (1 = as small as the leaves allow). */
  readonly minHeight: number;
  /** 32 secret bytes: every asset's leaf order derives from them. */
  readonly shuffleSeed: Uint8Array;
  /** At least 32 secret bytes: every user's salt derives from them and the snapshot id. */
  readonly buildSecret: Uint8Array;
  readonly publicKeyHex: string;
  readonly sign: (message: Uint8Array) => string;
  readonly runner: PorTaskRunner;
  readonly progress?: Progress;
}

export interface WrittenAsset {
  readonly line: ManifestAsset;
  readonly file: string;
  readonly bytes: number;
}

export interface WrittenSnapshot {
  readonly manifest: Manifest;
  readonly assets: readonly WrittenAsset[];
}

/** Positions per subtree handed to a worker: large enough to cost little to pass around. */
const SUBTREE_LOG = 16;

/**
 * Builds every asset's tree and writes `dir/proofs/<ASSET>.jsonl` (one proof per leaf, in leaf
 * order) and the signed `dir/manifest.json`; `dir` must exist and be empty.
 *
 * 1. Every user's salt and commitment, once per user (a user's commitment serves all assets).
 * 2. Each asset's shuffle, from the snapshot seed.
 * 3. Each asset's tree, its leaf level cut into subtrees hashed in parallel, joined, then the
 *    few levels above; the tree is handed to a writer while the next asset's tree is hashed. At
 *    most as many trees as there are threads are held at once (a tree of 2^22 leaves is ~400 MB).
 * 4. The manifest, signed, then checked with the verifier as a user would check it, together with
 *    the first proof of each asset.
 *
 * The same inputs, seed and secret give the same bytes, whatever the number of threads.
 */
export async function writeSnapshotFiles(
  inputs: BuildInputs,
  dir: string,
  options: OfflineBuildOptions,
): Promise<WrittenSnapshot> {
  const { table } = inputs;
  const { runner, snapshotId } = options;
  const progress = options.progress ?? silent;
  await mkdir(path.join(dir, 'proofs'));

  // 1. Salts and commitments.
  const salts = new Uint8Array(new SharedArrayBuffer(HASH_BYTES * table.userCount));
  const uids = new Uint8Array(new SharedArrayBuffer(HASH_BYTES * table.userCount));
  const keysTask = progress.task('salts and user commitments', table.userCount);
  const step = runner.threads ? 1 << 16 : Math.max(1, table.userCount);
  const keyJobs: Promise<void>[] = [];
  for (let from = 0; from < table.userCount; from += step) {
    keyJobs.push(
      runner.run(
        {
          kind: 'userKeys',
          userIds: table.userIds,
          userStart: table.userStart,
          hasLeaf: table.hasLeaf,
          snapshotId,
          buildSecret: options.buildSecret,
          from,
          to: Math.min(table.userCount, from + step),
          salts,
          uids,
        },
        { onProgress: (n) => keysTask.advance(n) },
      ),
    );
  }
  const keysDone = Promise.all(keyJobs).then(() => keysTask.done());

  // 2. Shuffles.
  const orders = table.assets.map((column) => new Uint32Array(new SharedArrayBuffer(4 * column.count)));
  const shuffled = table.assets.map((column, a) =>
    runner.run({ kind: 'shuffle', seed: options.shuffleSeed, asset: column.asset, order: orders[a]! }),
  );
  // Settled here so that a failure is reported once, by the await that needs it.
  for (const p of [keysDone, ...shuffled]) p.catch(() => undefined);

  // 3. Trees and proofs.
  const slots = new TreeSlots(Math.max(1, runner.threads));
  const writes: Promise<WrittenAsset & { firstLine: string }>[] = [];
  try {
    for (const [a, column] of table.assets.entries()) {
      const decimals = options.decimals.get(column.asset);
      if (decimals === undefined) throw new Error(`no decimals for ${column.asset}`);
      const height = treeHeight(column.count, options.minHeight);
      await Promise.all([keysDone, shuffled[a]]);
      const slot = await slots.take();
      const hashing = startedOnFirstStep(progress, `hashing the ${column.asset} tree`, 2 ** height);
      hashing.advance(0);
      const levels = await buildTree(runner, slot, height, (from, size, into) =>
        runner
          .run({
            kind: 'subtree',
            snapshotId,
            asset: column.asset,
            count: column.count,
            users: column.users,
            limbs: column.limbs,
            order: orders[a]!,
            uids,
            from,
            size,
            into,
          })
          .then((subtree) => {
            hashing.advance(size);
            return subtree;
          }),
      );
      hashing.done();
      const top = levels[height]!;
      const total = nodeValue(top, 0);
      if (total !== column.total)
        throw new Error(`${column.asset}: the tree's total differs from the inputs' sum`);
      const reserves = inputs.reserves.get(column.asset) ?? 0n;
      const line: ManifestAsset = {
        asset: column.asset,
        decimals,
        height,
        leaf_count: column.count,
        root_hash: toHex(nodeHash(top, 0)),
        total_liabilities: total.toString(),
        reserves: reserves.toString(),
        reserve_ratio: reserveRatio(reserves, total),
      };
      const file = path.join(dir, 'proofs', `${column.asset}.jsonl`);
      const below = levels.slice(0, height);
      const writing = startedOnFirstStep(progress, `writing ${column.asset} proofs`, column.count);
      const write = runner
        .run(
          {
            kind: 'proofs',
            file,
            source: {
              snapshotId,
              asset: column.asset,
              height,
              levels: below,
              order: orders[a]!,
              users: column.users,
              limbs: column.limbs,
              userIds: table.userIds,
              userStart: table.userStart,
              salts,
            },
          },
          { onProgress: (n) => writing.advance(n) },
        )
        .then((written) => {
          writing.done();
          return { line, file, bytes: written.bytes, firstLine: written.firstLine };
        })
        .finally(() => slots.give(slot));
      write.catch(() => undefined);
      writes.push(write);
    }
    const written = await Promise.all(writes);

    // 4. The manifest, and a user's check of it and of a proof per asset.
    const manifest = signManifest(
      {
        version: POR_VERSION,
        snapshot_id: snapshotId,
        taken_at: options.takenAt,
        assets: written.map((w) => w.line),
      },
      options.publicKeyHex,
      options.sign,
    );
    const text = serializeManifest(manifest);
    const verified = verifyManifest(nodePorCrypto, JSON.parse(text), options.publicKeyHex);
    if (!verified.valid) throw new Error(`the manifest just signed does not verify: ${verified.code}`);
    for (const w of written) {
      if (!w.firstLine) continue;
      const check = verifyProofAgainst(nodePorCrypto, JSON.parse(w.firstLine), verified);
      if (!check.valid) throw new Error(`the first ${w.line.asset} proof does not verify: ${check.code}`);
    }
    await writeFile(path.join(dir, 'manifest.json'), text, { flag: 'wx' });
    return { manifest, assets: written.map(({ line, file, bytes }) => ({ line, file, bytes })) };
  } finally {
    await Promise.allSettled(writes);
  }
}

/**
 * Builds all levels of a tree of `height`: one subtree on a single thread; otherwise subtrees of
 * 2^16 positions (at least two per thread) hashed by the workers, which copy their levels into
 * the slot's shared levels (so a tree is never held twice), then the few levels above the
 * subtrees' tops.
 */
async function buildTree(
  runner: PorTaskRunner,
  slot: TreeSlot,
  height: number,
  subtree: (from: number, size: number, into?: readonly TreeLevel[]) => Promise<TreeLevel[]>,
): Promise<TreeLevel[]> {
  if (!runner.threads) return subtree(0, 2 ** height);
  const partsLog = Math.min(height, Math.max(Math.ceil(Math.log2(2 * runner.threads)), height - SUBTREE_LOG));
  const size = 2 ** (height - partsLog);
  const shared = slot.levels(height, height - partsLog + 1);
  await Promise.all(Array.from({ length: 2 ** partsLog }, (_, i) => subtree(i * size, size, shared)));
  return shared.concat(hashLevelsAbove(nodePorCrypto.sha256, shared[shared.length - 1]!).slice(1));
}

/**
 * Memory for one tree, in shared memory, used again for the next asset's tree. Trees are hundreds
 * of megabytes; a buffer a worker has seen is freed only after every thread's garbage collector
 * has let go of it, so fresh buffers per tree would pile up where reused ones cannot.
 */
class TreeSlot {
  private readonly hashes: SharedArrayBuffer[] = [];
  private readonly values: SharedArrayBuffer[] = [];

  /** Levels 0 to `depth - 1` of a tree of `height`, each over (reused) shared memory. */
  levels(height: number, depth: number): TreeLevel[] {
    const out: TreeLevel[] = [];
    for (let k = 0; k < depth; k++) {
      const nodes = 2 ** (height - k);
      if ((this.hashes[k]?.byteLength ?? -1) < HASH_BYTES * nodes) {
        this.hashes[k] = new SharedArrayBuffer(HASH_BYTES * nodes);
        this.values[k] = new SharedArrayBuffer(16 * nodes);
      }
      out.push({
        hashes: new Uint8Array(this.hashes[k]!, 0, HASH_BYTES * nodes),
        values: new BigUint64Array(this.values[k]!, 0, 2 * nodes),
      });
    }
    return out;
  }
}

/** At most `n` trees in memory at once: a tree is taken before it is hashed, given back once written. */
class TreeSlots {
  private readonly free: TreeSlot[];
  private readonly waiting: ((slot: TreeSlot) => void)[] = [];

  constructor(n: number) {
    this.free = Array.from({ length: n }, () => new TreeSlot());
  }

  async take(): Promise<TreeSlot> {
    const slot = this.free.pop();
    if (slot) return slot;
    return new Promise<TreeSlot>((resolve) => this.waiting.push(resolve));
  }

  give(slot: TreeSlot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

/** Thrown when the output directory cannot be used; the message says why. */
export class OutputDirError extends Error {
  override readonly name = 'OutputDirError';
}

/** Checks, before any work, that `dir` may receive a build: absent, empty, or replaced by `force`. */
export async function checkOutputDir(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new OutputDirError(`${dir} exists and is not a directory`);
    entries = await readdir(dir);
  } catch (err) {
    if (err instanceof OutputDirError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new OutputDirError(`cannot use ${dir}: ${describeFsError(err)}`);
  }
  if (entries.length && !force) throw new OutputDirError(`${dir} is not empty (use --force to replace it)`);
}

/**
 * A new directory beside `dir` (same file system, so the final rename is atomic) to build in;
 * its name starts with a dot and says it is partial.
 */
export async function createStagingDir(dir: string): Promise<string> {
  const parent = path.dirname(path.resolve(dir));
  await mkdir(parent, { recursive: true });
  // Not mkdtemp: its 0700 would become the published directory's mode.
  const staging = path.join(
    parent,
    `.${path.basename(path.resolve(dir))}.partial-${randomBytes(6).toString('hex')}`,
  );
  await mkdir(staging);
  return staging;
}

/**
 * Moves a finished staging directory to `dir`. An empty `dir` is replaced; a non-empty one only
 * with `force`, moved aside first and deleted once the new one is in place.
 */
export async function publishStagingDir(staging: string, dir: string, force: boolean): Promise<void> {
  await checkOutputDir(dir, force);
  let aside: string | undefined;
  try {
    const entries = await readdir(dir);
    if (entries.length === 0) await rmdir(dir);
    else {
      aside = `${staging}.replaced-${randomBytes(4).toString('hex')}`;
      await rename(dir, aside);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await rename(staging, dir);
  } catch (err) {
    if (aside) await rename(aside, dir);
    throw err;
  }
  if (aside) await rm(aside, { recursive: true, force: true });
}

export async function discardStagingDir(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
