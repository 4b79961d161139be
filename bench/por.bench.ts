/**
 * `npm run bench:por`: the proof-of-reserves targets of the proof-of-reserves issue.
 *
 * 1. Inputs: a liabilities CSV of USERS users × 4 assets (10,000,000 entries by default) and a
 *    reserves CSV, written to a temp directory (not timed).
 * 2. Build: `custos por build` exactly as an auditor runs it (a child process, worker threads, all
 *    proofs written), timed from start to exit, peak memory from /usr/bin/time (the whole process,
 *    worker threads included). Target: ≤ 25 s and < 2 GB.
 * 3. The raw SHA-256 bound: how many SHA-256 calls the build needs (counted from the inputs and
 *    the tree heights) ÷ `crypto.hash` throughput on both cores, measured in the same run.
 * 4. The peer: merkletreejs builds a plain tree (no sums) over the same leaves as one asset's tree;
 *    Custos builds its sum tree over them on one thread too. Custos must be faster.
 * 5. Verification of one proof: in Node (the verifier of src/domain/reserves, signature included)
 *    and in Chromium (the standalone verifier page, the same code bundled). Targets: < 1 ms and
 *    < 20 ms.
 *
 * BENCH_QUICK=1: 25,000 users (a smoke run; results go to the temp directory only).
 * BENCH_USERS=N: another size. BENCH_KEEP=1 keeps the generated files.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MerkleTree } from 'merkletreejs';
import { nodePorCrypto } from '../src/adapters/crypto/por-crypto.js';
import { treeHeight } from '../src/domain/reserves/encoding.js';
import { hashLevelsAbove, type TreeLevel } from '../src/domain/reserves/sum-tree.js';
import { verifyProof } from '../src/domain/reserves/verify.js';
import { machine, round, saveResults, sourceState } from './support/environment.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const USERS = Number(process.env.BENCH_USERS ?? (QUICK ? 25_000 : 2_500_000));
const ASSETS = [
  { asset: 'BTC', decimals: 8 },
  { asset: 'ETH', decimals: 18 },
  { asset: 'USDC', decimals: 6 },
  { asset: 'SOL', decimals: 9 },
];
const TARGETS = { buildSeconds: 25, peakMemoryBytes: 2 * 2 ** 30, verifyNodeMs: 1, verifyBrowserMs: 20 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS_DIR = path.join(here, 'results');

const log = (s: string) => console.log(`[bench:por] ${s}`);

/** A deterministic pseudo-random amount per entry: mostly small, some above 2^64 for ETH. */
function amountOf(u: number, a: number): string {
  const h = createHash('sha256').update(`${u}/${a}`).digest();
  const small = h.readUInt32BE(0) % 1_000_000_000;
  if (a === 1 && h[4]! < 16) return (BigInt(small + 1) * 10n ** 12n).toString();
  return String(small + 1);
}

/** Writes the two CSVs; user ids look like UUIDs (36 bytes), as the live ledger's. */
async function writeInputs(dir: string): Promise<{ liabilities: string; reserves: string; entries: number }> {
  const liabilities = path.join(dir, 'liabilities.csv');
  const out = fs.createWriteStream(liabilities);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('user_id,asset,amount\n');
  const totals = ASSETS.map(() => 0n);
  let chunk = '';
  for (let u = 0; u < USERS; u++) {
    const id = `${u.toString(16).padStart(8, '0')}-0000-4000-8000-${(u * 2654435761).toString(16).slice(-12).padStart(12, '0')}`;
    for (let a = 0; a < ASSETS.length; a++) {
      const amount = amountOf(u, a);
      totals[a]! += BigInt(amount);
      chunk += `${id},${ASSETS[a]!.asset},${amount}\n`;
    }
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  const reserves = path.join(dir, 'reserves.csv');
  fs.writeFileSync(
    reserves,
    `asset,amount\n${ASSETS.map((x, a) => `${x.asset},${((totals[a]! * 103n) / 100n).toString()}`).join('\n')}\n`,
  );
  return { liabilities, reserves, entries: USERS * ASSETS.length };
}

/**
 * SHA-256 calls a build needs: per user, two HMACs (the user's secret, then the salt) and the
 * commitment; per asset, the shuffle's stream (one call per 8 draws, rejections aside), every leaf,
 * every padding leaf and every inner node.
 */
function hashesNeeded(users: number, perAsset: number[], heights: number[]): number {
  let n = users * 5;
  perAsset.forEach((count, i) => {
    const width = 2 ** heights[i]!;
    n += Math.ceil(count / 8) + width + (width - 1);
  });
  return n;
}

/** `crypto.hash('sha256', …)` calls per second on `threads` threads at once, 97-byte inputs (an
 * inner node's size), for each output form; the best is the bound. */
async function rawHashRate(
  threads: number,
  seconds: number,
): Promise<{ perSecond: number; byForm: Record<string, number> }> {
  const byForm: Record<string, number> = {};
  for (const form of ['buffer', 'latin1', 'hex']) {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { hash } = require('node:crypto');
      const input = Buffer.alloc(97, 7);
      const end = Date.now() + workerData.ms;
      let n = 0;
      while (Date.now() < end) { for (let i = 0; i < 1000; i++) hash('sha256', input, workerData.form); n += 1000; }
      parentPort.postMessage(n);`;
    const counts = await Promise.all(
      Array.from(
        { length: threads },
        () =>
          new Promise<number>((resolve, reject) => {
            const w = new Worker(source, { eval: true, workerData: { ms: seconds * 1000, form } });
            w.once('message', (n: number) => resolve(n));
            w.once('error', reject);
          }),
      ),
    );
    byForm[form] = Math.round(counts.reduce((x, y) => x + y, 0) / seconds);
  }
  return { perSecond: Math.max(...Object.values(byForm)), byForm };
}

interface BuildRun {
  seconds: number;
  peakRssBytes: number;
  exitCode: number;
  outputBytes: number;
  stdoutTail: string;
}

async function runBuild(
  inputs: { liabilities: string; reserves: string },
  out: string,
  keyFile: string,
): Promise<BuildRun> {
  const args = [
    '-v',
    process.execPath,
    path.join(root, 'bin', 'custos.mjs'),
    'por',
    'build',
    '--liabilities',
    inputs.liabilities,
    '--reserves',
    inputs.reserves,
    '--out',
    out,
    '--key',
    keyFile,
    '--decimals',
    ASSETS.map((a) => `${a.asset}=${a.decimals}`).join(','),
  ];
  const started = performance.now();
  const child = spawn('/usr/bin/time', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  let outputBytes = 0;
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else outputBytes += fs.statSync(f).size;
    }
  };
  walk(out);
  if (exitCode !== 0) log(`build failed:\n${stdout}\n${stderr}`);
  return {
    seconds,
    peakRssBytes: rss ? Number(rss[1]) * 1024 : NaN,
    exitCode,
    outputBytes,
    stdoutTail: stdout.trim().split('\n').slice(-8).join('\n'),
  };
}

/** Times `fn` `runs` times; the median and the first (cold) call, in ms. */
function timeIt(fn: () => void, runs: number): { firstMs: number; medianMs: number; p99Ms: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  return {
    firstMs: round(first, 4),
    medianMs: round(times[Math.floor(runs / 2)]!, 4),
    p99Ms: round(times[Math.floor(runs * 0.99)]!, 4),
  };
}

/** The peer comparison over the leaf level of one asset: both build a whole tree on one thread. */
function peerComparison(leafCount: number) {
  const height = treeHeight(leafCount);
  const width = 2 ** height;
  const hashes = new Uint8Array(width * 32);
  for (let i = 0; i < width; i++) hashes.set(createHash('sha256').update(`leaf ${i}`).digest(), i * 32);
  const values = new BigUint64Array(width * 2);
  for (let i = 0; i < leafCount; i++) values[2 * i + 1] = BigInt(1 + (i % 1000));
  const base: TreeLevel = { hashes, values };
  let t = performance.now();
  const levels = hashLevelsAbove(nodePorCrypto.sha256, base);
  const custosSeconds = (performance.now() - t) / 1000;
  if (levels.length !== height + 1) throw new Error('the sum tree has the wrong height');

  const leaves: Buffer[] = [];
  for (let i = 0; i < width; i++) leaves.push(Buffer.from(hashes.subarray(i * 32, (i + 1) * 32)));
  const sha = (data: Buffer) => hash('sha256', data, 'buffer');
  t = performance.now();
  const tree = new MerkleTree(leaves, sha);
  const peerSeconds = (performance.now() - t) / 1000;
  if (tree.getRoot().length !== 32) throw new Error('merkletreejs built no root');
  return {
    leaves: width,
    height,
    custosSeconds: round(custosSeconds, 3),
    peerSeconds: round(peerSeconds, 3),
  };
}

/** Verifies one proof in the standalone page in Chromium: the median of many calls, and the first. */
async function browserVerify(proof: unknown, manifest: unknown, key: string) {
  if (!fs.existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM}` } as const;
  const page = path.join(root, 'dist', 'web', 'por-verifier.html');
  if (!fs.existsSync(page))
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(`file://${page}`);
    return await tab.evaluate(
      ({ proof, manifest, key }) => {
        const w = window as unknown as {
          custosVerify: (p: unknown, m: unknown, k: string) => { valid: boolean };
        };
        const times: number[] = [];
        let valid = true;
        for (let i = 0; i < 200; i++) {
          const t = performance.now();
          valid = w.custosVerify(proof, manifest, key).valid && valid;
          times.push(performance.now() - t);
        }
        const first = times[0]!;
        times.sort((a, b) => a - b);
        return { valid, firstMs: first, medianMs: times[100]!, p99Ms: times[198]! };
      },
      { proof, manifest, key },
    );
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const date = started.toISOString().slice(0, 10);
  const m = machine();
  const source = sourceState();
  log(
    `machine: ${m.cpuModel} × ${m.cores}, ${m.memoryGiB} GiB, Node ${m.node}, load ${m.loadAverageAtStart.join(' ')}`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-bench-por-'));
  try {
    // 1. Inputs.
    const t = performance.now();
    const inputs = await writeInputs(work);
    const inputBytes = fs.statSync(inputs.liabilities).size;
    log(
      `inputs: ${inputs.entries} entries (${round(inputBytes / 2 ** 20, 1)} MiB) in ${round((performance.now() - t) / 1000, 1)} s`,
    );
    const keyFile = path.join(work, 'por.pem');
    fs.writeFileSync(
      keyFile,
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
      {
        mode: 0o600,
      },
    );

    // 2. The build, as an auditor runs it.
    const out = path.join(work, 'out');
    log('building (custos por build, all proofs written)…');
    const build = await runBuild(inputs, out, keyFile);
    log(
      `build: ${round(build.seconds, 2)} s, peak ${round(build.peakRssBytes / 2 ** 30, 2)} GiB, ${round(build.outputBytes / 2 ** 30, 2)} GiB written`,
    );
    if (build.exitCode !== 0) throw new Error('the build failed');
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
      assets: { asset: string; height: number; leaf_count: number }[];
      public_key: string;
    };

    // 3. The raw SHA-256 bound, measured now (the machine's speed drifts).
    const needed = hashesNeeded(
      USERS,
      manifest.assets.map((a) => a.leaf_count),
      manifest.assets.map((a) => a.height),
    );
    const raw = await rawHashRate(Math.min(2, os.cpus().length), 3);
    const boundSeconds = needed / raw.perSecond;
    log(
      `raw SHA-256: ${raw.perSecond}/s on both cores; ${needed} hashes needed: bound ${round(boundSeconds, 2)} s`,
    );

    // 4. Correctness spot check and verification speed in Node: the first proof of each asset.
    // The first line only: a proof file of millions of lines is larger than a string can be.
    const firstLine = (asset: string) => {
      const fd = fs.openSync(path.join(out, 'proofs', `${asset}.jsonl`), 'r');
      try {
        const buf = Buffer.alloc(1 << 16);
        const n = fs.readSync(fd, buf, 0, buf.length, 0);
        return JSON.parse(buf.subarray(0, n).toString('utf8').split('\n')[0]!) as unknown;
      } finally {
        fs.closeSync(fd);
      }
    };
    for (const a of manifest.assets) {
      const r = verifyProof(nodePorCrypto, firstLine(a.asset), manifest, manifest.public_key);
      if (!r.valid) throw new Error(`the first ${a.asset} proof does not verify: ${r.reason}`);
    }
    const proof = firstLine(ASSETS[0]!.asset);
    const verifyNode = timeIt(() => {
      if (!verifyProof(nodePorCrypto, proof, manifest, manifest.public_key).valid) throw new Error('invalid');
    }, 2000);
    log(`verify one proof in Node: median ${verifyNode.medianMs} ms, first ${verifyNode.firstMs} ms`);
    const verifyBrowser = await browserVerify(proof, manifest, manifest.public_key);
    log(`verify one proof in Chromium: ${JSON.stringify(verifyBrowser)}`);
    if (!process.env.BENCH_KEEP) fs.rmSync(out, { recursive: true, force: true });

    // 5. The peer, over one asset's leaf count.
    log(`peer: merkletreejs vs the Custos sum tree over ${USERS} leaves, one thread each…`);
    const peer = peerComparison(USERS);
    log(`peer: Custos ${peer.custosSeconds} s, merkletreejs ${peer.peerSeconds} s`);

    const report = {
      date,
      startedAt: started.toISOString(),
      command: 'npm run bench:por',
      machine: m,
      source,
      inputs: {
        users: USERS,
        assets: ASSETS.map((a) => a.asset),
        entries: inputs.entries,
        liabilitiesCsvBytes: inputBytes,
      },
      build,
      sha256: { hashesNeeded: needed, ...raw, boundSeconds: round(boundSeconds, 2) },
      verifyNode,
      verifyBrowser,
      peer,
    };
    const verdicts = [
      {
        target: `build, sign and write every proof of ${inputs.entries} entries ≤ ${TARGETS.buildSeconds} s`,
        measured: `${round(build.seconds, 2)} s (${round(build.seconds / boundSeconds, 2)} × the raw SHA-256 bound of ${round(boundSeconds, 2)} s; ${round(build.outputBytes / 2 ** 30, 2)} GiB written)`,
        pass: build.seconds <= TARGETS.buildSeconds,
      },
      {
        target: 'peak memory < 2 GB',
        measured: `${round(build.peakRssBytes / 2 ** 30, 2)} GiB (maximum resident set of the build process, worker threads included)`,
        pass: build.peakRssBytes < TARGETS.peakMemoryBytes,
      },
      {
        target: 'faster than merkletreejs over the same leaves',
        measured: `Custos ${peer.custosSeconds} s (sum tree) vs merkletreejs ${peer.peerSeconds} s (plain tree), ${peer.leaves} leaves, one thread each`,
        pass: peer.custosSeconds < peer.peerSeconds,
      },
      {
        target: `verify one proof in Node < ${TARGETS.verifyNodeMs} ms`,
        measured: `median ${verifyNode.medianMs} ms, p99 ${verifyNode.p99Ms} ms, first call ${verifyNode.firstMs} ms (signature included)`,
        pass: verifyNode.medianMs < TARGETS.verifyNodeMs,
      },
      {
        target: `verify one proof in the browser page < ${TARGETS.verifyBrowserMs} ms`,
        measured:
          'skipped' in verifyBrowser
            ? verifyBrowser.skipped
            : `median ${round(verifyBrowser.medianMs, 3)} ms, p99 ${round(verifyBrowser.p99Ms, 3)} ms, first call ${round(verifyBrowser.firstMs, 3)} ms (Chromium, signature included)`,
        pass:
          !('skipped' in verifyBrowser) &&
          verifyBrowser.valid &&
          verifyBrowser.medianMs < TARGETS.verifyBrowserMs,
      },
    ];
    console.log('');
    for (const v of verdicts) console.log(`${v.pass ? 'PASS' : 'FAIL'}  ${v.target}: ${v.measured}`);
    const written = saveResults({
      name: 'por',
      resultsDir: RESULTS_DIR,
      date,
      quick: QUICK,
      json: { ...report, verdicts },
      markdown: () => markdown(report, verdicts),
      title: '# Proof-of-reserves benchmark (`npm run bench:por`)',
    });
    log(`wrote ${written}`);
    if (verdicts.some((v) => !v.pass)) process.exitCode = 1;
  } finally {
    if (!process.env.BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
  }
}

function markdown(
  r: {
    date: string;
    startedAt: string;
    machine: ReturnType<typeof machine>;
    source: ReturnType<typeof sourceState>;
    inputs: { users: number; entries: number; liabilitiesCsvBytes: number };
    build: BuildRun;
    sha256: { hashesNeeded: number; perSecond: number; byForm: Record<string, number>; boundSeconds: number };
  },
  verdicts: { target: string; measured: string; pass: boolean }[],
): string {
  const lines = [
    `<!-- run:${r.date} -->`,
    `## ${r.date}`,
    '',
    `- Started: ${r.startedAt}. Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.node}; load average at start ${r.machine.loadAverageAtStart.join(' / ')}.`,
    `- Command: \`npm run bench:por\` on commit ${r.source.commit ?? 'unknown'}${r.source.srcModified ? ' (with uncommitted changes in src/)' : ''}.`,
    `- Inputs: ${r.inputs.users} users × 4 assets = ${r.inputs.entries} entries, liabilities CSV of ${round(r.inputs.liabilitiesCsvBytes / 2 ** 20, 1)} MiB (UUID-like user ids, amounts up to 10^9 and some ETH amounts above 2^64). The build is \`custos por build\` in a child process under \`/usr/bin/time -v\` with its default worker threads (one per core), CSV parsing, salts, shuffles, trees, signature, every proof file written and the manifest self-check included.`,
    `- Raw SHA-256 bound: ${r.sha256.hashesNeeded} SHA-256 calls needed (5 per user for the two HMACs and the commitment, the shuffle stream, every leaf, padding leaf and inner node) ÷ ${r.sha256.perSecond} \`crypto.hash\` calls/s measured on both cores with 97-byte inputs (by output form: ${Object.entries(
      r.sha256.byForm,
    )
      .map(([k, v]) => `${k} ${v}/s`)
      .join(', ')}) = ${r.sha256.boundSeconds} s.`,
    '',
    '| target | measured | result |',
    '|---|---|---|',
    ...verdicts.map((v) => `| ${v.target} | ${v.measured} | ${v.pass ? 'PASS' : 'FAIL'} |`),
    '',
    `Build output (last lines):`,
    '',
    '```',
    r.build.stdoutTail,
    '```',
    '',
    `Raw figures: \`bench/results/por-${r.date}.json\`.`,
  ];
  return lines.join('\n');
}

await main();
