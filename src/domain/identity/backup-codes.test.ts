import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BACKUP_CODE_BITS,
  BACKUP_CODE_COUNT,
  generateBackupCodes,
  normalizeBackupCode,
} from './backup-codes.js';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const csprng = (n: number) => new Uint8Array(randomBytes(n));

describe('generateBackupCodes', () => {
  it('generates ten codes by default, or the count asked for', () => {
    expect(generateBackupCodes(csprng)).toHaveLength(BACKUP_CODE_COUNT);
    expect(BACKUP_CODE_COUNT).toBe(10);
    expect(generateBackupCodes(csprng, 3)).toHaveLength(3);
  });

  it('formats each code as XXXX-XXXX-XXXX in Crockford base32 (no I, L, O, U)', () => {
    for (const code of generateBackupCodes(csprng, 50)) expect(code).toMatch(FORMAT);
  });

  it('Security: each code carries at least 50 bits, so guessing one online is hopeless', () => {
    expect(BACKUP_CODE_BITS).toBe(60);
    expect(BACKUP_CODE_BITS).toBeGreaterThanOrEqual(50);
  });

  it('uses every byte it is given (known answer)', () => {
    let next = 0;
    const counting = (n: number) => Uint8Array.from({ length: n }, () => next++);
    expect(generateBackupCodes(counting, 2)).toEqual(['0123-4567-89AB', 'CDEF-GHJK-MNPQ']);
  });

  it('returns distinct codes even when the random source repeats once', () => {
    let calls = 0;
    const repeatsFirst = (n: number) => new Uint8Array(n).fill(calls++ <= 1 ? 0 : calls);
    const codes = generateBackupCodes(repeatsFirst, 5);
    expect(new Set(codes).size).toBe(5);
  });

  it('Security: refuses to loop for ever on a broken random source', () => {
    expect(() => generateBackupCodes((n) => new Uint8Array(n), 2)).toThrow();
    expect(() => generateBackupCodes((n) => new Uint8Array(n - 1))).toThrow(RangeError);
    expect(() => generateBackupCodes(csprng, 0)).toThrow(RangeError);
  });
});

describe('normalizeBackupCode', () => {
  it('round-trips every generated code', () => {
    for (const code of generateBackupCodes(csprng, 20)) {
      expect(normalizeBackupCode(code)).toBe(code);
      expect(normalizeBackupCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code);
    }
  });

  it('forgives case, spaces, dashes and the look-alikes O, I and L', () => {
    expect(normalizeBackupCode(' 7q2m k9dx 4htr ')).toBe('7Q2M-K9DX-4HTR');
    expect(normalizeBackupCode('7Q2MK9DX4HTR')).toBe('7Q2M-K9DX-4HTR');
    expect(normalizeBackupCode('o0il-OIL1-ABCD')).toBe('0011-0111-ABCD');
    expect(normalizeBackupCode('7Q2M–K9DX—4HTR')).toBe('7Q2M-K9DX-4HTR');
  });

  it('rejects junk', () => {
    for (const junk of [
      '',
      '7Q2M-K9DX-4HT',
      '7Q2M-K9DX-4HTRX',
      '7Q2M-K9DX-4HTU',
      '7Q2M-K9DX-4HT!',
      'A'.repeat(100),
    ]) {
      expect(normalizeBackupCode(junk)).toBeNull();
    }
  });
});
