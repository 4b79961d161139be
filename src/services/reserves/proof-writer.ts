import { closeSync, openSync, writeSync } from 'node:fs';
import { HASH_BYTES, POR_VERSION } from '../../domain/reserves/encoding.js';
import type { TreeLevel } from '../../domain/reserves/sum-tree.js';
import { entryDecimal } from './liability-table.js';

/**
 * Writes an asset's inclusion proofs as JSON Lines, byte for byte what `serializeProof` gives for
 * each proof, without building a proof object or a path array per leaf:
 *
 * - proofs are written in leaf order, so the sibling at level k changes only every 2^k leaves; the
 *   path is kept rendered, right-aligned in one buffer, and only the steps that changed are
 *   rendered again (about two per proof, whatever the height);
 * - lines are assembled in a 4 MiB buffer written with blocking writes: the thread formats no
 *   more than the file has taken (the writers run in worker threads for large builds).
 */
export interface ProofSource {
  readonly snapshotId: string;
  readonly asset: string;
  readonly height: number;
  /** At least levels 0 to height-1 of the tree. */
  readonly levels: readonly TreeLevel[];
  /** `order[position]` is the entry at that leaf position; its length is the leaf count. */
  readonly order: Uint32Array;
  readonly users: Uint32Array;
  readonly limbs: Uint32Array;
  readonly userIds: Uint8Array;
  readonly userStart: Uint32Array;
  readonly salts: Uint8Array;
}

const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');
const OUT_BYTES = 4 << 20;
/** Positions whose data is gathered at once (see `ProofLineEncoder.gather`). */
const BLOCK = 1024;
// `{"hash":"` + 64 hex + `","value":"` + digits + `"}`
const STEP_FIXED = 9 + 64 + 11 + 2;
const STEP_MAX = STEP_FIXED + 39 + 1;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Copies a few bytes: for short runs a loop costs less than a native copy's call. */
function put(out: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]!;
  return at + bytes.length;
}

/** Writes an ASCII string (digits) byte by byte. */
function putAscii(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const STEP_HASH = ascii('{"hash":"');
const STEP_VALUE = ascii('","value":"');
const STEP_END = ascii('"}');
const SALT = ascii(',"salt":"');
const INDEX = ascii('","index":');
const VALUE = ascii(',"value":"');
const PATH = ascii('","path":[');
const LINE_END = ascii(']}\n');

export class ProofLineEncoder {
  private readonly prefix: Uint8Array;
  private readonly path: Buffer;
  /** Each level's values as 32-bit words (little-endian hosts), to read small sums without bigints. */
  private readonly words: (Uint32Array | undefined)[];
  private readonly stepStart: Int32Array;
  private readonly end: number;
  private next = -1;
  private readonly maxLine: number;
  // The current block of positions, its data gathered into small arrays (see `gather`).
  private blockStart = 0;
  private blockEnd = 0;
  private readonly bEntry = new Uint32Array(BLOCK);
  private readonly bUser = new Uint32Array(BLOCK);
  private readonly bRecord = new Uint32Array(BLOCK);
  private readonly bLimbs = new Uint32Array(4 * BLOCK);
  private readonly bSalts = new Uint8Array(HASH_BYTES * BLOCK);
  private readonly bSaltWords = new Uint32Array(this.bSalts.buffer);
  /** The salts as 32-bit words (8 per salt) when aligned: a quarter of the reads. */
  private readonly saltWords: Uint32Array | undefined;
  private readonly bIds = new Uint8Array(256 * BLOCK);
  private readonly bIdAt = new Uint32Array(BLOCK);

  constructor(private readonly s: ProofSource) {
    this.prefix = utf8.encode(
      `{"version":${JSON.stringify(POR_VERSION)},"snapshot_id":${JSON.stringify(s.snapshotId)},` +
        `"asset":${JSON.stringify(s.asset)},"user_id":`,
    );
    this.words = s.levels.map((l) =>
      LITTLE_ENDIAN ? new Uint32Array(l.values.buffer, l.values.byteOffset, 2 * l.values.length) : undefined,
    );
    this.saltWords =
      s.salts.byteOffset % 4 === 0
        ? new Uint32Array(s.salts.buffer, s.salts.byteOffset, s.salts.length >>> 2)
        : undefined;
    this.end = Math.max(1, s.height) * STEP_MAX;
    this.path = Buffer.alloc(this.end);
    this.stepStart = new Int32Array(s.height + 1).fill(this.end + 1);
    // prefix, user id (6 bytes per byte escaped at worst), salt, index, value, path, end.
    this.maxLine = this.prefix.length + 2 + 6 * 255 + SALT.length + 64 + INDEX.length + 10 + VALUE.length;
    this.maxLine += 39 + PATH.length + this.end + LINE_END.length;
  }

  /** The longest line this encoder can write, in bytes. */
  get maxLineBytes(): number {
    return this.maxLine;
  }

  /** Writes the proof of the leaf at `position` into `out` at `at`; returns the new offset. */
  encode(position: number, out: Buffer, at: number): number {
    if (position < this.blockStart || position >= this.blockEnd) this.gather(position);
    const j = position - this.blockStart;
    this.renderPath(position);
    let w = put(out, at, this.prefix);
    w = writeUserId(out, w, this.bIds, this.bIdAt[j]!);
    w = put(out, w, SALT);
    w = writeHex(out, w, this.bSalts, HASH_BYTES * j);
    w = put(out, w, INDEX);
    w = putAscii(out, w, position.toString());
    w = put(out, w, VALUE);
    w = putAscii(out, w, entryDecimal(this.bLimbs, j));
    w = put(out, w, PATH);
    w += this.path.copy(out, w, this.stepStart[0]!, this.end);
    return put(out, w, LINE_END);
  }

  /**
   * Copies what the proofs of positions `[from, from + BLOCK)` need into small arrays. The leaf
   * order is random, so each proof reads its user, value, salt and id from random places of
   * arrays of hundreds of megabytes; one short loop per kind of read lets the processor wait for
   * many of those reads at once, where the formatting between them would leave it waiting for
   * each in turn (measured: about three times faster on 2^18 leaves).
   */
  private gather(from: number): void {
    const s = this.s;
    const n = Math.min(BLOCK, s.order.length - from);
    const { bEntry, bUser, bRecord, bLimbs, bSalts, bIds, bIdAt } = this;
    for (let j = 0; j < n; j++) bEntry[j] = s.order[from + j]!;
    for (let j = 0; j < n; j++) bUser[j] = s.users[bEntry[j]!]!;
    for (let j = 0; j < n; j++) {
      const e = 4 * bEntry[j]!;
      bLimbs[4 * j] = s.limbs[e]!;
      bLimbs[4 * j + 1] = s.limbs[e + 1]!;
      bLimbs[4 * j + 2] = s.limbs[e + 2]!;
      bLimbs[4 * j + 3] = s.limbs[e + 3]!;
    }
    for (let j = 0; j < n; j++) bRecord[j] = s.userStart[bUser[j]!]!;
    const saltWords = this.saltWords;
    if (saltWords) {
      const to = this.bSaltWords;
      for (let j = 0; j < n; j++) {
        const at = 8 * bUser[j]!;
        for (let k = 0; k < 8; k++) to[8 * j + k] = saltWords[at + k]!;
      }
    } else {
      for (let j = 0; j < n; j++) {
        const at = HASH_BYTES * bUser[j]!;
        for (let k = 0; k < HASH_BYTES; k++) bSalts[HASH_BYTES * j + k] = s.salts[at + k]!;
      }
    }
    let w = 0;
    for (let j = 0; j < n; j++) {
      const at = bRecord[j]!;
      const end = at + 1 + s.userIds[at]!;
      bIdAt[j] = w;
      for (let k = at; k < end; k++) bIds[w++] = s.userIds[k]!;
    }
    this.blockStart = from;
    this.blockEnd = from + n;
  }

  /** Brings the rendered path to leaf `position`, re-rendering only the levels that changed. */
  private renderPath(position: number): void {
    const h = this.s.height;
    let top: number;
    if (position === this.next) {
      // Levels 0..K change, K being the highest bit where position and position-1 differ.
      top = Math.min(h - 1, 31 - Math.clz32((position ^ (position - 1)) >>> 0));
    } else {
      top = h - 1;
    }
    for (let k = top; k >= 0; k--) this.renderStep(k, position);
    this.next = position + 1;
  }

  private renderStep(k: number, position: number): void {
    const h = this.s.height;
    const level = this.s.levels[k]!;
    const sibling = (Math.floor(position / 2 ** k) ^ 1) >>> 0;
    const words = this.words[k];
    let digits: string;
    if (
      words &&
      words[4 * sibling] === 0 &&
      words[4 * sibling + 1] === 0 &&
      words[4 * sibling + 3]! < 0x20_0000
    ) {
      digits = (words[4 * sibling + 3]! * 2 ** 32 + words[4 * sibling + 2]!).toString();
    } else {
      digits = ((level.values[2 * sibling]! << 64n) | level.values[2 * sibling + 1]!).toString();
    }
    let end = this.end;
    if (k < h - 1) {
      end = this.stepStart[k + 1]! - 1;
      this.path[end] = 0x2c; // ','
    }
    const start = end - STEP_FIXED - digits.length;
    const p = this.path;
    let w = put(p, start, STEP_HASH);
    w = writeHex(p, w, level.hashes, HASH_BYTES * sibling);
    w = put(p, w, STEP_VALUE);
    w = putAscii(p, w, digits);
    put(p, w, STEP_END);
    this.stepStart[k] = start;
  }
}

function writeHex(out: Uint8Array, at: number, bytes: Uint8Array, from: number): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const b = bytes[from + i]!;
    out[at++] = HEX_DIGITS[b >> 4]!;
    out[at++] = HEX_DIGITS[b & 15]!;
  }
  return at;
}

/** The user id as `JSON.stringify` writes it: raw UTF-8 unless a byte needs escaping. */
function writeUserId(out: Buffer, at: number, ids: Uint8Array, record: number): number {
  const length = ids[record]!;
  const from = record + 1;
  let plain = true;
  for (let i = from; i < from + length; i++) {
    const b = ids[i]!;
    if (b < 0x20 || b === 0x22 || b === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out[at++] = 0x22;
    for (let i = 0; i < length; i++) out[at + i] = ids[from + i]!;
    at += length;
    out[at++] = 0x22;
    return at;
  }
  const json = utf8.encode(JSON.stringify(utf8Decoder.decode(ids.subarray(from, from + length))));
  out.set(json, at);
  return at + json.length;
}

export interface WrittenProofs {
  readonly proofs: number;
  readonly bytes: number;
  /** The first line, without its line break (a sample the caller verifies), or '' with no leaf. */
  readonly firstLine: string;
}

/**
 * Writes the proofs of every leaf of `source`, in leaf order, to `file` (created; must not
 * exist). `onProgress` hears of every 16,384 proofs written.
 */
export function writeProofFile(
  source: ProofSource,
  file: string,
  onProgress?: (proofs: number) => void,
): WrittenProofs {
  const fd = openSync(file, 'wx', 0o644);
  onProgress?.(0);
  try {
    const encoder = new ProofLineEncoder(source);
    const out = Buffer.allocUnsafe(Math.max(OUT_BYTES, 2 * encoder.maxLineBytes));
    const limit = out.length - encoder.maxLineBytes;
    const count = source.order.length;
    let w = 0;
    let bytes = 0;
    let firstLine = '';
    let since = 0;
    for (let position = 0; position < count; position++) {
      const start = w;
      w = encoder.encode(position, out, w);
      if (position === 0) firstLine = out.toString('utf8', start, w - 1);
      if (w > limit) {
        writeAll(fd, out, w);
        bytes += w;
        w = 0;
      }
      if (++since === 16_384) {
        onProgress?.(since);
        since = 0;
      }
    }
    if (w) writeAll(fd, out, w);
    bytes += w;
    if (since) onProgress?.(since);
    return { proofs: count, bytes, firstLine };
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, buf, done, length - done);
}
