import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { assetShuffleSeed } from './build.js';
import { lp, PorEncodingError, type Sha256, toHex } from './encoding.js';
import { SeededStream, shufflePermutation } from './shuffle.js';

const sha256 = nodePorCrypto.sha256;
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);

/** Block `counter` of the stream, as node:crypto computes it: SHA-256(seed ‖ u64be(counter)). */
function block(seed: Uint8Array, counter: number): number[] {
  const input = Buffer.alloc(40);
  input.set(seed);
  input.writeBigUInt64BE(BigInt(counter), 32);
  const digest = createHash('sha256').update(input).digest();
  return Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(4 * i));
}

/**
 * A "SHA-256" that returns prepared 32-byte blocks, one per call, and records the counters it was
 * asked for: it lets a test hand `below` exactly the integers that must be rejected.
 */
function scripted(blocks: number[][]): { sha256: Sha256; counters: bigint[] } {
  const counters: bigint[] = [];
  return {
    counters,
    sha256: (data) => {
      counters.push(Buffer.from(data).readBigUInt64BE(32));
      const words = blocks[counters.length - 1] ?? [];
      const out = Buffer.alloc(32);
      words.forEach((w, i) => out.writeUInt32BE(w, 4 * i));
      return out;
    },
  };
}

describe('SeededStream: SHA-256(seed ‖ u64 counter), eight big-endian u32 per block', () => {
  it('replays the counter blocks in order', () => {
    const stream = new SeededStream(sha256, SEED);
    const expected = [...block(SEED, 0), ...block(SEED, 1), ...block(SEED, 2)];
    expect(Array.from({ length: 24 }, () => stream.nextU32())).toEqual(expected);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => new SeededStream(sha256, new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => new SeededStream(sha256, new Uint8Array(33))).toThrow(/32 bytes/);
  });
});

describe('SeededStream.below: uniform in [0, bound) by rejection', () => {
  const MAX = 0xffff_ffff;

  it.each([
    // bound, integers drawn, the answer: x is rejected when x >= 2^32 - (2^32 mod bound)
    [3, [MAX, MAX - 1], 2], // 2^32 mod 3 = 1: only 2^32 - 1 is rejected; 2^32 - 2 is taken
    [2 ** 31 + 1, [2 ** 31 + 1, MAX, 2 ** 31], 2 ** 31], // limit 2^31 + 1: almost half is rejected
    [2 ** 32 - 1, [MAX, MAX - 1], MAX - 1], // 2^32 mod (2^32 - 1) = 1
    [2 ** 31, [MAX], 2 ** 31 - 1], // a power of two: nothing is rejected
    [2 ** 32, [MAX], MAX], // the whole range: the integer itself
    [1, [MAX], 0],
    [10, [4_294_967_295, 4_294_967_290, 4_294_967_289], 9], // limit 4294967290
  ])('bound %d, drawing %j, gives %d', (bound, drawn, answer) => {
    const { sha256: fake } = scripted([drawn]);
    const stream = new SeededStream(fake, SEED);
    expect(stream.below(bound)).toBe(answer);
    // Exactly the drawn integers were used: the next one comes after them.
    expect(stream.nextU32()).toBe(0);
  });

  it('moves to the next block when a whole block is rejected', () => {
    const { sha256: fake, counters } = scripted([Array(8).fill(MAX), [7]]);
    expect(new SeededStream(fake, SEED).below(3)).toBe(1);
    expect(counters).toEqual([0n, 1n]);
  });

  it.each([0, -1, 1.5, 2 ** 32 + 1, Number.NaN])('refuses bound %d', (bound) => {
    expect(() => new SeededStream(sha256, SEED).below(bound)).toThrow(PorEncodingError);
  });
});

describe('shufflePermutation: Fisher–Yates over the seeded stream', () => {
  /** The algorithm as docs/por-format.md states it, written again here. */
  function reference(seed: Uint8Array, n: number): number[] {
    const words: number[] = [];
    let counter = 0;
    const next = () => {
      if (words.length === 0) words.push(...block(seed, counter++));
      return words.shift()!;
    };
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const bound = i + 1;
      const limit = 2 ** 32 - (2 ** 32 % bound);
      let x = next();
      while (x >= limit) x = next();
      const j = x % bound;
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }

  it.each([0, 1, 2, 3, 10, 100, 1000])('matches the stated algorithm for n = %i', (n) => {
    expect([...shufflePermutation(sha256, SEED, n)]).toEqual(reference(SEED, n));
  });

  it('is a permutation of 0..n-1', () => {
    const order = [...shufflePermutation(sha256, SEED, 5000)];
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('is deterministic for a seed and differs for another', () => {
    const a = toHex(new Uint8Array(shufflePermutation(sha256, SEED, 50).buffer));
    expect(toHex(new Uint8Array(shufflePermutation(sha256, SEED, 50).buffer))).toBe(a);
    const other = SEED.slice();
    other[31] = other[31]! ^ 1;
    expect(toHex(new Uint8Array(shufflePermutation(sha256, other, 50).buffer))).not.toBe(a);
  });

  it('gives each of the 6 orders of 3 leaves about equally often over 6000 seeds', () => {
    const counts = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const seed = sha256(Uint8Array.of(s >> 8, s & 0xff));
      const key = [...shufflePermutation(sha256, seed, 3)].join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Expected 1000 each; a biased shuffle (e.g. swapping with any position) is far outside this.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('assetShuffleSeed: HMAC-SHA-256(snapshot seed, lp(asset))', () => {
  it('derives one seed per asset from the snapshot seed', () => {
    const expected = createHmac('sha256', SEED).update(lp('BTC')).digest('hex');
    expect(toHex(assetShuffleSeed(sha256, SEED, 'BTC'))).toBe(expected);
    expect(toHex(assetShuffleSeed(sha256, SEED, 'ETH'))).not.toBe(expected);
  });
});
