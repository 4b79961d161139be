import { PorEncodingError, type Sha256 } from './encoding.js';

/**
 * A stream of random 32-bit integers from a 32-byte secret seed: SHA-256(seed ‖ u64 counter), eight
 * integers per block. With a seed from a cryptographic random source it is a cryptographic random
 * stream; with a fixed seed it replays exactly, which makes a build reproducible for a test or an
 * auditor who is given the seed.
 */
export class SeededStream {
  private readonly input = new Uint8Array(40);
  private readonly view = new DataView(this.input.buffer);
  private block = new Uint32Array(0);
  private at = 0;
  private counter = 0n;

  constructor(
    private readonly sha256: Sha256,
    seed: Uint8Array,
  ) {
    if (seed.length !== 32) throw new PorEncodingError('a shuffle seed is 32 bytes');
    this.input.set(seed);
  }

  nextU32(): number {
    if (this.at === this.block.length) {
      this.view.setBigUint64(32, this.counter++, false);
      const digest = this.sha256(this.input);
      const words = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
      this.block = new Uint32Array(8);
      for (let i = 0; i < 8; i++) this.block[i] = words.getUint32(4 * i, false);
      this.at = 0;
    }
    return this.block[this.at++]!;
  }

  /** A uniform integer in `[0, bound)`, by rejection (no modulo bias); `bound` at most 2^32. */
  below(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32)
      throw new PorEncodingError(`bad bound ${bound}`);
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % bound;
    }
  }
}

/**
 * A uniformly random permutation of `0..n-1` (Fisher–Yates): `result[position] = leaf`, so leaf
 * `result[i]` is placed at position `i`.
 */
export function shufflePermutation(sha256: Sha256, seed: Uint8Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const stream = new SeededStream(sha256, seed);
  for (let i = n - 1; i > 0; i--) {
    const j = stream.below(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
