import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import type { Manifest } from '../../domain/reserves/manifest.js';
import {
  type RejectionCode,
  REJECTIONS,
  type VerifiedManifest,
  type VerifiedProof,
  verifyManifest,
  verifyProofAgainst,
} from '../../domain/reserves/verify.js';
import { describeFsError, InputFileError } from './csv-input.js';
import type { Progress } from './offline-build.js';
import type { PorTaskRunner } from './tree-workers.js';

/**
 * The auditor's side: checks a proof, or a whole published directory (`manifest.json` and
 * `proofs/<ASSET>.jsonl`), with the domain verifier, under a public key given by the caller.
 */

/** What a directory can get wrong beyond single proofs. */
export const DIRECTORY_REJECTIONS = {
  LEAF_COUNT_MISMATCH: 'The number of proofs differs from the leaf count in the manifest.',
  DUPLICATE_INDEX: 'Two proofs claim the same leaf.',
  WRONG_FILE: 'The proof is in the file of another asset.',
} as const;

export type DirectoryRejectionCode = keyof typeof DIRECTORY_REJECTIONS;

export interface Rejection {
  readonly file: string;
  /** 1-based line of a proofs file; 0 for the file as a whole. */
  readonly line: number;
  readonly code: RejectionCode | DirectoryRejectionCode;
  readonly reason: string;
}

/** Rejections found: the first `cap` kept to be listed, all counted. */
export class Rejections {
  readonly listed: Rejection[] = [];
  count = 0;
  constructor(readonly cap = 50) {}

  add(r: Rejection): void {
    this.count++;
    if (this.listed.length < this.cap) this.listed.push(r);
  }

  lines(): string[] {
    const out = this.listed.map((r) => `${r.file}${r.line ? `:${r.line}` : ''}: ${r.code}: ${r.reason}`);
    if (this.count > this.listed.length) out.push(`… and ${this.count - this.listed.length} more rejections`);
    return out;
  }
}

async function readJson(file: string): Promise<{ value: unknown } | { error: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputFileError(`cannot read ${file}: ${describeFsError(err)}`);
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: 'not JSON' };
  }
}

async function readManifest(
  file: string,
  publicKey: string,
  json?: { value: unknown } | { error: string },
): Promise<VerifiedManifest | Rejection> {
  json ??= await readJson(file);
  if ('error' in json) {
    return {
      file,
      line: 0,
      code: 'MALFORMED_MANIFEST',
      reason: `${REJECTIONS.MALFORMED_MANIFEST} (not JSON)`,
    };
  }
  const m = verifyManifest(nodePorCrypto, json.value, publicKey);
  return m.valid ? m : { file, line: 0, code: m.code, reason: m.reason };
}

/**
 * Verifies one proof (a JSON file, or a file of a single JSON line) against a manifest signed
 * under `publicKey`.
 */
export async function verifyOneProof(
  proofFile: string,
  manifestFile: string,
  publicKey: string,
): Promise<
  { valid: true; proof: VerifiedProof; manifest: Manifest } | { valid: false; rejection: Rejection }
> {
  const manifest = await readManifest(manifestFile, publicKey);
  if (!('valid' in manifest)) return { valid: false, rejection: manifest };
  const json = await readJson(proofFile);
  if ('error' in json) {
    const reason = `${REJECTIONS.MALFORMED_PROOF} (not one JSON value)`;
    return { valid: false, rejection: { file: proofFile, line: 0, code: 'MALFORMED_PROOF', reason } };
  }
  const r = verifyProofAgainst(nodePorCrypto, json.value, manifest);
  if (!r.valid)
    return { valid: false, rejection: { file: proofFile, line: 0, code: r.code, reason: r.reason } };
  return { valid: true, proof: r, manifest: manifest.manifest };
}

export interface AssetTally {
  readonly asset: string;
  readonly leafCount: number;
  proofs: number;
  valid: number;
}

export interface DirectoryVerdict {
  readonly ok: boolean;
  readonly manifest?: Manifest;
  readonly assets: readonly AssetTally[];
  readonly rejections: Rejections;
}

/** Leaf indexes seen, to find two proofs of one leaf: a bitmap up to 2^28 positions, a set above. */
class IndexSet {
  private readonly bits: Uint8Array | undefined;
  private readonly set: Set<number> | undefined;
  constructor(height: number) {
    if (height <= 28) this.bits = new Uint8Array(Math.ceil(2 ** height / 8));
    else this.set = new Set();
  }
  /** False when `i` was seen already. */
  add(i: number): boolean {
    if (this.bits) {
      const byte = Math.floor(i / 8);
      const bit = 1 << (i % 8);
      if (this.bits[byte]! & bit) return false;
      this.bits[byte]! |= bit;
      return true;
    }
    if (this.set!.has(i)) return false;
    this.set!.add(i);
    return true;
  }
}

/** Verifies every line of one `proofs/<ASSET>.jsonl` (a unit of work for a worker thread). */
export interface VerifyFileTask {
  readonly kind: 'verifyFile';
  /** The manifest as parsed; it is verified again here, under `publicKey`. */
  readonly manifest: unknown;
  readonly publicKey: string;
  readonly file: string;
  /** The asset the file is named after. */
  readonly fileAsset: string;
}

export interface FileVerdict {
  /** Lines read (proofs or not). */
  readonly proofs: number;
  readonly valid: number;
  /** The first rejections (at most `Rejections.cap`), and how many there were in all. */
  readonly listed: readonly Rejection[];
  readonly rejections: number;
}

/**
 * Every line of a proofs file through the domain verifier; a valid proof must also belong to the
 * file's asset and claim a leaf no earlier line of the file claimed. Synchronous, for a worker.
 */
export function verifyProofsFile(t: VerifyFileTask, onBytes?: (n: number) => void): FileVerdict {
  const manifest = verifyManifest(nodePorCrypto, t.manifest, t.publicKey);
  if (!manifest.valid) throw new Error(`the manifest does not verify: ${manifest.code}`);
  const tree = manifest.manifest.assets.find((a) => a.asset === t.fileAsset);
  const seen = tree ? new IndexSet(tree.height) : undefined;
  const rejections = new Rejections();
  const file = t.file;
  let proofs = 0;
  let valid = 0;
  forEachLineSync(
    file,
    (text, line) => {
      proofs++;
      let proof: unknown;
      try {
        proof = JSON.parse(text);
      } catch {
        const reason = `${REJECTIONS.MALFORMED_PROOF} (not JSON)`;
        return rejections.add({ file, line, code: 'MALFORMED_PROOF', reason });
      }
      const r = verifyProofAgainst(nodePorCrypto, proof, manifest);
      if (!r.valid) return rejections.add({ file, line, code: r.code, reason: r.reason });
      if (r.asset !== t.fileAsset || !seen) {
        const reason = `${DIRECTORY_REJECTIONS.WRONG_FILE} (a ${r.asset} proof)`;
        return rejections.add({ file, line, code: 'WRONG_FILE', reason });
      }
      const index = (proof as { index: number }).index;
      if (!seen.add(index)) {
        const reason = `${DIRECTORY_REJECTIONS.DUPLICATE_INDEX} (index ${index})`;
        return rejections.add({ file, line, code: 'DUPLICATE_INDEX', reason });
      }
      valid++;
    },
    onBytes,
  );
  return { proofs, valid, listed: rejections.listed, rejections: rejections.count };
}

/**
 * Verifies a published directory: the manifest once, then every line of every
 * `proofs/*.jsonl` (the files shared among `runner`'s threads); per asset, that there are
 * exactly `leaf_count` proofs, no two for one leaf and none in another asset's file.
 */
export async function verifyDirectory(
  dir: string,
  publicKey: string,
  runner: PorTaskRunner,
  progress?: Progress,
): Promise<DirectoryVerdict> {
  const rejections = new Rejections();
  const manifestFile = path.join(dir, 'manifest.json');
  const json = await readJson(manifestFile);
  const manifest = await readManifest(manifestFile, publicKey, json);
  if (!('valid' in manifest)) {
    rejections.add(manifest);
    return { ok: false, assets: [], rejections };
  }
  const proofsDir = path.join(dir, 'proofs');
  let names: string[];
  try {
    names = (await readdir(proofsDir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch (err) {
    throw new InputFileError(`cannot read ${proofsDir}: ${describeFsError(err)}`);
  }
  let totalBytes = 0;
  for (const name of names) totalBytes += (await stat(path.join(proofsDir, name))).size;
  const bar = progress?.task('verifying proofs', totalBytes);
  const verdicts = await Promise.all(
    names.map((name) =>
      runner.run(
        {
          kind: 'verifyFile',
          manifest: (json as { value: unknown }).value,
          publicKey,
          file: path.join(proofsDir, name),
          fileAsset: name.slice(0, -'.jsonl'.length),
        },
        { onProgress: (n) => bar?.advance(n) },
      ),
    ),
  );
  bar?.done();
  const tallies = new Map<string, AssetTally>();
  for (const a of manifest.manifest.assets) {
    tallies.set(a.asset, { asset: a.asset, leafCount: a.leaf_count, proofs: 0, valid: 0 });
  }
  for (const [i, v] of verdicts.entries()) {
    const tally = tallies.get(names[i]!.slice(0, -'.jsonl'.length));
    if (tally) {
      tally.proofs += v.proofs;
      tally.valid += v.valid;
    }
    for (const r of v.listed) rejections.add(r);
    rejections.count += v.rejections - v.listed.length;
  }
  for (const t of tallies.values()) {
    if (t.proofs !== t.leafCount) {
      const reason = `${DIRECTORY_REJECTIONS.LEAF_COUNT_MISMATCH} (${t.asset}: ${t.proofs} proofs, leaf_count ${t.leafCount})`;
      rejections.add({
        file: path.join(proofsDir, `${t.asset}.jsonl`),
        line: 0,
        code: 'LEAF_COUNT_MISMATCH',
        reason,
      });
    }
  }
  return {
    ok: rejections.count === 0,
    manifest: manifest.manifest,
    assets: [...tallies.values()],
    rejections,
  };
}

/** Calls `fn` with every non-empty line of a UTF-8 file and its 1-based number. */
export function forEachLineSync(
  file: string,
  fn: (text: string, line: number) => void,
  onBytes?: (n: number) => void,
): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new InputFileError(`cannot read ${file}: ${describeFsError(err)}`);
  }
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let carry: Buffer | undefined;
    let lineNo = 0;
    const emit = (buf: Buffer, start: number, end: number) => {
      lineNo++;
      if (end > start && buf[end - 1] === 0x0d) end--;
      if (end > start) fn(buf.toString('utf8', start, end), lineNo);
    };
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let pos = 0;
      for (;;) {
        const nl = buffer.indexOf(0x0a, pos);
        if (nl < 0 || nl >= bytesRead) break;
        if (carry) {
          const joined = Buffer.concat([carry, buffer.subarray(pos, nl)]);
          carry = undefined;
          emit(joined, 0, joined.length);
        } else emit(buffer, pos, nl);
        pos = nl + 1;
      }
      if (pos < bytesRead) {
        const rest = Buffer.from(buffer.subarray(pos, bytesRead));
        carry = carry ? Buffer.concat([carry, rest]) : rest;
      }
      onBytes?.(bytesRead);
    }
    if (carry) emit(carry, 0, carry.length);
  } finally {
    closeSync(fd);
  }
}
