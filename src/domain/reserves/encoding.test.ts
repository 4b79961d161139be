import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  fitsLp,
  fromHex,
  isHashHex,
  lp,
  MAX_HEIGHT,
  parseAmount,
  PorEncodingError,
  reserveRatio,
  toHex,
  treeHeight,
  U128_MAX,
  writeU128,
  writeU32,
} from './encoding.js';

const TWO_64 = 1n << 64n;
const TWO_128 = 1n << 128n;

describe('lp: one length byte, then the UTF-8 bytes', () => {
  it('refuses the empty string: 0 bytes', () => {
    expect(() => lp('')).toThrow(PorEncodingError);
    expect(fitsLp('')).toBe(false);
  });

  it('encodes 1 byte', () => {
    expect(toHex(lp('a'))).toBe('0161');
  });

  it('counts UTF-8 bytes, not UTF-16 units or characters', () => {
    expect(toHex(lp('é'))).toBe('02c3a9');
    expect(toHex(lp('€'))).toBe('03e282ac');
    expect(toHex(lp('😀'))).toBe('04f09f9880'); // two UTF-16 units, one character, four bytes
    expect(toHex(lp('zoë-山田'))).toBe(`0b${toHex(new TextEncoder().encode('zoë-山田'))}`);
  });

  it.each([
    ['255 ASCII bytes', 'a'.repeat(255)],
    ['127 two-byte characters and one ASCII', 'é'.repeat(127) + 'a'],
    ['85 three-byte characters', '€'.repeat(85)],
  ])('takes %s (length byte ff)', (_, s) => {
    const out = lp(s);
    expect(out.length).toBe(256);
    expect(out[0]).toBe(0xff);
    expect(fitsLp(s)).toBe(true);
  });

  it.each([
    ['256 ASCII bytes', 'a'.repeat(256)],
    ['128 two-byte characters', 'é'.repeat(128)],
    ['85 three-byte characters and one ASCII', '€'.repeat(85) + 'a'],
    ['64 four-byte characters', '😀'.repeat(64)],
  ])('refuses %s (256 bytes)', (_, s) => {
    expect(() => lp(s)).toThrow(/1 to 255 UTF-8 bytes, got 256/);
    expect(fitsLp(s)).toBe(false);
  });
});

describe('u32 and u128: unsigned big-endian', () => {
  it.each([
    [0, '00000000'],
    [1, '00000001'],
    [0x01020304, '01020304'],
    [0xffff_ffff, 'ffffffff'],
  ])('u32(%i) = %s', (n, hex) => {
    const out = new Uint8Array(4);
    writeU32(out, 0, n);
    expect(toHex(out)).toBe(hex);
  });

  it.each([-1, 2 ** 32, 1.5, Number.NaN])('refuses u32(%d)', (n) => {
    expect(() => writeU32(new Uint8Array(4), 0, n)).toThrow(PorEncodingError);
  });

  it.each([
    [0n, '00'.repeat(16)],
    [1n, `${'00'.repeat(15)}01`],
    [TWO_64 - 1n, `${'00'.repeat(8)}${'ff'.repeat(8)}`],
    [TWO_64, `${'00'.repeat(7)}01${'00'.repeat(8)}`],
    [U128_MAX, 'ff'.repeat(16)],
  ])('u128(%s)', (v, hex) => {
    const out = new Uint8Array(16);
    writeU128(out, 0, v);
    expect(toHex(out)).toBe(hex);
  });

  it('refuses a negative value and 2^128', () => {
    expect(() => writeU128(new Uint8Array(16), 0, -1n)).toThrow(PorEncodingError);
    expect(() => writeU128(new Uint8Array(16), 0, TWO_128)).toThrow(PorEncodingError);
    expect(U128_MAX).toBe(TWO_128 - 1n);
  });

  it('writes at the offset of a view into a larger buffer', () => {
    const buffer = new Uint8Array(40);
    const view = buffer.subarray(3, 40);
    writeU32(view, 1, 0xaabbccdd);
    writeU128(view, 5, TWO_64 + 2n);
    expect(toHex(buffer.subarray(4, 8))).toBe('aabbccdd');
    expect(toHex(buffer.subarray(8, 24))).toBe(`${'00'.repeat(7)}01${'00'.repeat(7)}02`);
    expect(buffer[3]).toBe(0);
    expect(buffer[24]).toBe(0);
  });
});

describe('hex: lowercase only, one spelling per hash', () => {
  it('round-trips bytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(toHex(bytes))).toEqual(bytes);
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it.each(['AB', 'aB', '0x00', 'abc', 'zz', ' 00', '00 '])('fromHex refuses %j', (s) => {
    expect(() => fromHex(s)).toThrow(PorEncodingError);
  });

  it('isHashHex takes exactly 64 lowercase hex characters', () => {
    expect(isHashHex('0'.repeat(64))).toBe(true);
    expect(isHashHex('af'.repeat(32))).toBe(true);
    expect(isHashHex('0'.repeat(63))).toBe(false);
    expect(isHashHex('0'.repeat(65))).toBe(false);
    expect(isHashHex('AF'.repeat(32))).toBe(false);
    expect(isHashHex(`${'0'.repeat(64)}\n`)).toBe(false);
    expect(isHashHex(123)).toBe(false);
  });

  it('concatBytes joins in order', () => {
    expect(toHex(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toBe('010203');
  });
});

describe('parseAmount: digits only, no sign, no exponent, no leading zero, below 2^128', () => {
  it.each([
    ['0', 0n],
    ['1', 1n],
    ['10', 10n],
    ['150000000', 150_000_000n],
    ['18446744073709551616', TWO_64],
    [U128_MAX.toString(), U128_MAX],
  ])('reads %s', (s, v) => {
    expect(parseAmount(s)).toBe(v);
  });

  it.each([
    ['empty', ''],
    ['double zero', '00'],
    ['leading zero', '01'],
    ['leading zeros', '0012'],
    ['negative', '-1'],
    ['negative zero', '-0'],
    ['plus sign', '+1'],
    ['exponent', '1e3'],
    ['decimal point', '1.0'],
    ['trailing point', '1.'],
    ['leading space', ' 1'],
    ['trailing space', '1 '],
    ['trailing newline', '1\n'],
    ['hex', '0x10'],
    ['underscore', '1_000'],
    ['fullwidth digit', '１'],
    ['Arabic-Indic digit', '١'],
    ['2^128', TWO_128.toString()],
    ['39 nines (above 2^128)', '9'.repeat(39)],
    ['40 digits', `1${'0'.repeat(39)}`],
  ])('refuses %s', (_, s) => {
    expect(parseAmount(s)).toBeUndefined();
  });

  it.each([1, 1n, null, undefined, {}, ['1']])('refuses a non-string: %s', (x) => {
    expect(parseAmount(x)).toBeUndefined();
  });
});

describe('reserveRatio: four decimals, rounded down; null without liabilities', () => {
  it.each([
    [1n, 1n, '1.0000'],
    [10_312n, 10_000n, '1.0312'],
    [103_129_999n, 100_000_000n, '1.0312'], // 1.03129999 rounds down, not to 1.0313
    [2n, 3n, '0.6666'],
    [99_999n, 100_000n, '0.9999'],
    [0n, 5n, '0.0000'],
    [1n, 10n ** 30n, '0.0000'],
    [25_499_999_999_999_999_999n, 25_500_000_000_000_000_000n, '0.9999'],
    [U128_MAX, 1n, `${U128_MAX}.0000`],
  ])('%s / %s = %s', (reserves, liabilities, ratio) => {
    expect(reserveRatio(reserves, liabilities)).toBe(ratio);
  });

  it('is null when there are no liabilities, whatever the reserves', () => {
    expect(reserveRatio(0n, 0n)).toBeNull();
    expect(reserveRatio(100_000_000n, 0n)).toBeNull();
  });
});

describe('treeHeight: the smallest with 2^height >= max(2, leaves), or the configured minimum', () => {
  it.each([
    [0, 1],
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 3],
    [8, 3],
    [9, 4],
    [2 ** 20, 20],
    [2 ** 20 + 1, 21],
    [2 ** 32, 32],
  ])('%i leaves: height %i', (leaves, height) => {
    expect(treeHeight(leaves)).toBe(height);
  });

  it('takes a larger configured minimum, and ignores a smaller one', () => {
    expect(treeHeight(3, 5)).toBe(5);
    expect(treeHeight(0, 5)).toBe(5);
    expect(treeHeight(100, 2)).toBe(7);
    expect(treeHeight(2, MAX_HEIGHT)).toBe(32);
  });

  it('refuses more than 2^32 leaves: a height above 32', () => {
    expect(() => treeHeight(2 ** 32 + 1)).toThrow(/higher than 32/);
  });

  it.each([0, 33, 1.5, -1])('refuses a configured minimum of %d', (minimum) => {
    expect(() => treeHeight(3, minimum)).toThrow(/1 to 32/);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a leaf count of %d', (count) => {
    expect(() => treeHeight(count)).toThrow(PorEncodingError);
  });
});
