import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import {
  generateEd25519Key,
  KeyFileError,
  readEd25519KeyFile,
  writePrivateKeyFile,
} from '../adapters/crypto/ed25519-key-file.js';
import type { Signer } from '../adapters/crypto/signing-key.js';
import { fitsLp, fromHex, MAX_HEIGHT } from '../domain/reserves/encoding.js';
import { isUtcSecond, utcSecond } from '../domain/reserves/manifest.js';
import { describeFsError, InputFileError } from '../services/reserves/csv-input.js';
import {
  checkOutputDir,
  createStagingDir,
  discardStagingDir,
  OutputDirError,
  type Progress,
  publishStagingDir,
  readBuildInputs,
  type WrittenSnapshot,
  writeSnapshotFiles,
} from '../services/reserves/offline-build.js';
import { verifyDirectory, verifyOneProof } from '../services/reserves/offline-verify.js';
import { defaultThreads, inlineRunner, workerPool } from '../services/reserves/tree-workers.js';

/** Below this many liability entries a build runs on one thread: starting workers costs more. */
const SINGLE_THREAD_BELOW = 50_000;
/** The same for `verify --all`, in bytes of proofs (a proof is 1 to 3 KB). */
const SINGLE_THREAD_BYTES = 20 << 20;

/** The size of DIR/proofs/*.jsonl, or 0 when it cannot be read (verification says why). */
async function proofBytes(dir: string): Promise<number> {
  try {
    const names = (await readdir(path.join(dir, 'proofs'))).filter((n) => n.endsWith('.jsonl'));
    let total = 0;
    for (const n of names) total += (await stat(path.join(dir, 'proofs', n))).size;
    return total;
  } catch {
    return 0;
  }
}

/** A problem with what the operator gave: printed as one line, with no stack trace. */
class CliError extends Error {
  override readonly name = 'CliError';
}

const BUILD_HELP = `
Inputs (CSV, UTF-8, comma-separated, fields optionally double-quoted):
  liabilities  header "user_id,asset,amount": one row per user and asset
  reserves     header "asset,amount": one row per asset; every asset with liabilities needs one
Amounts are integers in the asset's smallest unit (satoshi, wei, ...): digits only, no sign,
no leading zeros, below 2^128. A zero liability is accepted and skipped: only non-zero
liabilities get a leaf. Every bad row is listed with its file and line, and then nothing is
written.

Output (written beside DIR first, then renamed into place):
  DIR/manifest.json          the signed manifest (custos-por/1)
  DIR/proofs/<ASSET>.jsonl   one inclusion proof per leaf, one JSON object per line

Without --key a new Ed25519 key is created and saved to --new-key-out (mode 0600).
The snapshot id defaults to the current time (UTC, to the second); taken_at to the snapshot id
when it is such a time, else to the current time. --seed and --salt-secret make a build
reproducible; a known seed reveals the leaf order, so keep both secret outside tests.`;

/** Adds `custos por` (build and verify a proof of reserves offline) and returns it. */
export function addPorCommands(program: Command): Command {
  const por = program.command('por').description('proof of reserves (custos-por/1)');

  por
    .command('build')
    .description('build a signed manifest and every inclusion proof from CSV files (no database)')
    .requiredOption('--liabilities <file>', 'CSV with user_id,asset,amount')
    .requiredOption('--reserves <file>', 'CSV with asset,amount')
    .requiredOption('--out <dir>', 'output directory (absent or empty, unless --force)')
    .option('--key <file>', 'Ed25519 private key to sign with (PEM, PKCS #8)')
    .option('--new-key-out <file>', 'without --key: where to save the new signing key')
    .option('--snapshot-id <id>', 'the snapshot id (1 to 255 bytes; default: the current time)')
    .option('--taken-at <time>', 'taken_at, a UTC time to the second, e.g. 2026-11-21T00:00:00Z')
    .option('--decimals <list>', 'decimals per asset, e.g. BTC=8,ETH=18 (default: the ASSETS setting)')
    .option('--min-height <n>', `smallest tree height, 1 to ${MAX_HEIGHT}`, parseHeight, 1)
    .option('--seed <hex>', 'shuffle seed, 64 hex characters (default: random)')
    .option(
      '--salt-secret <file>',
      'secret the salts derive from: 32 bytes or more, raw or hex (default: random)',
    )
    .option('--force', 'replace a non-empty output directory')
    .addOption(
      new Option('--threads <n>', 'worker threads (0: this thread only)').argParser(parseThreads).hideHelp(),
    )
    .addHelpText('after', BUILD_HELP)
    .action(guarded(build));

  por
    .command('verify')
    .description('verify an inclusion proof, or every proof of a directory, under a public key')
    .argument('[proof]', 'a proof: a JSON file, or a file of one JSON line')
    .option('--manifest <file>', 'the manifest the proof belongs to')
    .option('--all <dir>', 'verify DIR/manifest.json and every line of DIR/proofs/*.jsonl')
    .requiredOption('--public-key <hex>', 'the Ed25519 public key you trust, 64 hex characters')
    .addOption(
      new Option('--threads <n>', 'worker threads (0: this thread only)').argParser(parseThreads).hideHelp(),
    )
    .addHelpText(
      'after',
      '\nThe public key must come from the platform by a channel of its own, never from the manifest.\n' +
        'Exit status 0 only when everything verifies; each rejection prints its code and reason.',
    )
    .action(guarded(verify));

  return por;
}

function guarded<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (
        err instanceof CliError ||
        err instanceof InputFileError ||
        err instanceof KeyFileError ||
        err instanceof OutputDirError
      ) {
        console.error(`error: ${err.message}`);
        process.exitCode = 1;
        return;
      }
      throw err;
    }
  };
}

interface BuildOptions {
  liabilities: string;
  reserves: string;
  out: string;
  key?: string;
  newKeyOut?: string;
  snapshotId?: string;
  takenAt?: string;
  decimals?: string;
  minHeight: number;
  seed?: string;
  saltSecret?: string;
  force?: boolean;
  threads?: number;
}

async function build(opts: BuildOptions): Promise<void> {
  // 1. Everything given is checked before any file is read.
  const now = utcSecond(new Date());
  const snapshotId = opts.snapshotId ?? now;
  if (!fitsLp(snapshotId)) throw new CliError('--snapshot-id must be 1 to 255 bytes');
  const takenAt = opts.takenAt ?? (isUtcSecond(snapshotId) ? snapshotId : now);
  if (!isUtcSecond(takenAt))
    throw new CliError('--taken-at must be a UTC time to the second, e.g. 2026-11-21T00:00:00Z');
  let shuffleSeed: Uint8Array;
  if (opts.seed !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(opts.seed))
      throw new CliError('--seed must be 64 hex characters (32 bytes)');
    shuffleSeed = fromHex(opts.seed.toLowerCase());
    console.error(
      'warning: --seed is set: whoever knows the seed can recompute the leaf order of every asset',
    );
  } else shuffleSeed = randomBytes(32);
  const buildSecret = opts.saltSecret !== undefined ? readSaltSecret(opts.saltSecret) : randomBytes(32);
  const explicitDecimals = parseDecimals(opts.decimals);
  let signer: Signer;
  let newKeyPem: string | undefined;
  if (opts.key !== undefined) {
    if (opts.newKeyOut !== undefined) throw new CliError('--key and --new-key-out exclude each other');
    signer = readEd25519KeyFile(opts.key);
  } else {
    if (opts.newKeyOut === undefined) {
      throw new CliError('without --key, --new-key-out FILE is required (where to save the new signing key)');
    }
    if (existsSync(opts.newKeyOut))
      throw new CliError(`${opts.newKeyOut} exists already; a key is never overwritten`);
    ({ signer, pem: newKeyPem } = generateEd25519Key());
  }
  await checkOutputDir(opts.out, Boolean(opts.force));

  const progress = terminalProgress();
  try {
    // 2. The inputs, every problem listed.
    const read = await readBuildInputs({ liabilities: opts.liabilities, reserves: opts.reserves }, progress);
    if (read.problems) {
      progress.stop();
      for (const line of read.problems.lines()) console.error(line);
      console.error(`${read.problems.count} problem(s) in the inputs; nothing was written`);
      process.exitCode = 1;
      return;
    }
    const { inputs } = read;
    const decimals = resolveDecimals(
      inputs.table.assets.map((a) => a.asset),
      explicitDecimals,
    );
    const entries = inputs.table.assets.reduce((n, a) => n + a.count, 0);
    const threads = opts.threads ?? (entries < SINGLE_THREAD_BELOW ? 0 : defaultThreads());

    // 3. The build, in a directory beside the output, renamed into place when complete.
    const staging = await createStagingDir(opts.out);
    const onSignal = () => {
      rmSync(staging, { recursive: true, force: true });
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const runner = threads ? workerPool(threads) : inlineRunner();
    let written: WrittenSnapshot;
    let keySaved = false;
    try {
      written = await writeSnapshotFiles(inputs, staging, {
        snapshotId,
        takenAt,
        decimals,
        minHeight: opts.minHeight,
        shuffleSeed,
        buildSecret,
        publicKeyHex: signer.publicKeyHex,
        sign: (m) => signer.signBytes(m),
        runner,
        progress,
      });
      if (newKeyPem !== undefined) {
        writePrivateKeyFile(opts.newKeyOut!, newKeyPem);
        keySaved = true;
      }
      await publishStagingDir(staging, opts.out, Boolean(opts.force));
    } catch (err) {
      await discardStagingDir(staging);
      if (keySaved) unlinkSync(opts.newKeyOut!);
      if ((err as NodeJS.ErrnoException).code && !(err instanceof OutputDirError)) {
        throw new CliError(`cannot write the output: ${describeFsError(err)}`);
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await runner.close();
    }
    progress.stop();

    // 4. The summary.
    console.log(`public key: ${signer.publicKeyHex}`);
    if (keySaved)
      console.log(`new signing key saved to ${opts.newKeyOut} (keep it secret; publish the public key)`);
    console.log(
      `snapshot ${snapshotId}, taken at ${takenAt}: ${inputs.rows} rows, ${inputs.zeroRows} zero (skipped)`,
    );
    console.log(summaryTable(written));
    const bytes = written.assets.reduce((n, a) => n + a.bytes, 0);
    console.log(
      `wrote ${opts.out}/manifest.json and ${written.assets.length} proof file(s), ${formatBytes(bytes)}`,
    );
  } finally {
    progress.stop();
  }
}

function summaryTable(written: WrittenSnapshot): string {
  const rows = [['asset', 'leaves', 'height', 'total liabilities', 'reserves', 'ratio']];
  for (const { line } of written.assets) {
    rows.push([
      line.asset,
      String(line.leaf_count),
      String(line.height),
      wholeUnits(line.total_liabilities, line.decimals),
      wholeUnits(line.reserves, line.decimals),
      line.reserve_ratio ?? '-',
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** An amount of smallest units shown in whole units: "150000000" with 8 decimals is "1.50000000". */
export function wholeUnits(amount: string, decimals: number): string {
  if (decimals === 0) return amount;
  const padded = amount.padStart(decimals + 1, '0');
  return `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function readSaltSecret(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new CliError(`--salt-secret: cannot read ${file}: ${describeFsError(err)}`);
  }
  const text = raw.toString('latin1').trim();
  const bytes = /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : raw;
  if (bytes.length < 32)
    throw new CliError(`--salt-secret: ${file} holds ${bytes.length} bytes; 32 or more are needed`);
  return new Uint8Array(bytes);
}

function parseDecimals(list: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (list === undefined) return out;
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=]+)=([0-9]{1,3})$/.exec(item);
    if (!m || Number(m[2]) > 255)
      throw new CliError(`--decimals: "${item}" is not ASSET=DECIMALS (e.g. BTC=8,ETH=18)`);
    out.set(m[1]!.trim(), Number(m[2]));
  }
  return out;
}

/** Decimals from --decimals first, then from the configured assets (read only when needed). */
function resolveDecimals(
  assets: readonly string[],
  explicit: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  const missing: string[] = [];
  let configured: Map<string, number> | undefined;
  let configProblem: string | undefined;
  for (const asset of assets) {
    let d = explicit.get(asset);
    if (d === undefined && configured === undefined && configProblem === undefined) {
      try {
        configured = new Map(loadConfig().assets.map((a) => [a.symbol, a.decimals]));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        configProblem = 'the configuration is invalid, so its ASSETS cannot be used';
      }
    }
    d ??= configured?.get(asset);
    if (d === undefined) missing.push(asset);
    else out.set(asset, d);
  }
  if (missing.length) {
    throw new CliError(
      `no decimals for ${missing.join(', ')}: give them with --decimals (e.g. --decimals ${missing[0]}=8)` +
        (configProblem ? `; ${configProblem}` : ''),
    );
  }
  return out;
}

function parseHeight(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > MAX_HEIGHT) {
    throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_HEIGHT}`);
  }
  return n;
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 64) throw new InvalidArgumentError('must be an integer from 0 to 64');
  return n;
}

async function verify(
  proof: string | undefined,
  opts: { manifest?: string; all?: string; publicKey: string; threads?: number },
): Promise<void> {
  if (!/^[0-9a-fA-F]{64}$/.test(opts.publicKey.trim())) {
    throw new CliError('--public-key must be 64 hex characters (a raw Ed25519 public key)');
  }
  if (opts.all !== undefined) {
    if (proof !== undefined || opts.manifest !== undefined) {
      throw new CliError('--all DIR takes no proof file and no --manifest (it reads DIR/manifest.json)');
    }
    const threads =
      opts.threads ?? ((await proofBytes(opts.all)) < SINGLE_THREAD_BYTES ? 0 : defaultThreads());
    const runner = threads ? workerPool(threads) : inlineRunner();
    const progress = terminalProgress();
    let verdict;
    try {
      verdict = await verifyDirectory(opts.all, opts.publicKey, runner, progress);
    } finally {
      progress.stop();
      await runner.close();
    }
    for (const line of verdict.rejections.lines()) console.log(line);
    if (verdict.manifest) {
      console.log(`manifest: signature valid (snapshot ${verdict.manifest.snapshot_id})`);
      for (const a of verdict.assets) {
        console.log(`${a.asset}: ${a.valid} of ${a.proofs} proofs valid, leaf_count ${a.leafCount}`);
      }
    }
    if (verdict.ok) {
      const total = verdict.assets.reduce((n, a) => n + a.valid, 0);
      console.log(`VALID: all ${total} proofs verify against the manifest`);
    } else {
      console.log(`INVALID: ${verdict.rejections.count} rejection(s)`);
      process.exitCode = 1;
    }
    return;
  }
  if (proof === undefined) throw new CliError('give a proof file (with --manifest), or --all DIR');
  if (opts.manifest === undefined) throw new CliError('--manifest FILE is required with a proof file');
  const r = await verifyOneProof(proof, opts.manifest, opts.publicKey);
  if (!r.valid) {
    console.log(`INVALID: ${r.rejection.code}: ${r.rejection.reason}`);
    process.exitCode = 1;
    return;
  }
  const line = r.manifest.assets.find((a) => a.asset === r.proof.asset)!;
  console.log(
    `VALID: user ${JSON.stringify(r.proof.userId)} is included with ${wholeUnits(r.proof.value.toString(), line.decimals)} ` +
      `${r.proof.asset} in snapshot ${r.proof.snapshotId}`,
  );
  console.log(
    `root ${r.proof.rootHash}, total liabilities ${wholeUnits(r.proof.totalLiabilities.toString(), line.decimals)}`,
  );
}

/**
 * Progress on a terminal: one bar per piece of work (several run at once). Elsewhere (a log, a
 * pipe), one line when each piece is done.
 */
function terminalProgress(): Progress & { stop(): void } {
  if (process.stdout.isTTY) {
    const multi = new cliProgress.MultiBar(
      {
        stream: process.stdout,
        format: ' {bar} {percentage}% | {label} | {duration_formatted} (ETA {eta_formatted})',
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let stopped = false;
    return {
      task(label, total) {
        const bar = multi.create(Math.max(1, total), 0, { label });
        return {
          advance: (n) => bar.increment(n),
          done: () => bar.update(Math.max(1, total)),
        };
      },
      stop() {
        if (!stopped) multi.stop();
        stopped = true;
      },
    };
  }
  return {
    task(label) {
      const started = performance.now();
      return {
        advance: () => undefined,
        done: () => console.log(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`),
      };
    },
    stop: () => undefined,
  };
}
