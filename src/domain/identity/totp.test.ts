import { describe, expect, it } from 'vitest';
import { CustosError } from '../errors.js';
import { matchTotp, newTotpSecret, TOTP_PERIOD_SECONDS, totpCodeAt, totpStep, totpUri } from './totp.js';

// RFC 6238 Appendix B, SHA-1: the seed is the ASCII string "12345678901234567890".
const RFC_SECRET = newTotpSecret(new TextEncoder().encode('12345678901234567890'));
const RFC_VECTORS: [seconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const secret = newTotpSecret(new Uint8Array(20).map((_, i) => i * 13 + 7));
const now = 1_700_000_000_000;
const period = TOTP_PERIOD_SECONDS * 1000;

describe('totpCodeAt: RFC 6238 Appendix B known answers (SHA-1)', () => {
  it('encodes the RFC seed as the expected base32 secret', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it.each(RFC_VECTORS)('at T = %i s gives the last 6 digits of %s', (seconds, eightDigits) => {
    expect(totpCodeAt(RFC_SECRET, seconds * 1000)).toBe(eightDigits.slice(-6));
    expect(matchTotp(RFC_SECRET, eightDigits.slice(-6), seconds * 1000, 0)).toBe(totpStep(seconds * 1000));
  });
});

describe('newTotpSecret and totpUri', () => {
  it('refuses fewer than 20 random bytes', () => {
    expect(() => newTotpSecret(new Uint8Array(19))).toThrow(RangeError);
    expect(newTotpSecret(new Uint8Array(20))).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('builds an otpauth URI with the RFC 6238 parameters', () => {
    const uri = new URL(totpUri({ secret, account: 'jane@example.com', issuer: 'Custos' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Custos:jane@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Custos',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });

  it('rejects an empty account or issuer', () => {
    expect(() => totpUri({ secret, account: ' ', issuer: '' })).toThrow(CustosError);
  });
});

describe('totpStep', () => {
  it('counts 30-second steps since the Unix epoch', () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29_999)).toBe(0);
    expect(totpStep(30_000)).toBe(1);
    expect(totpStep(59_000)).toBe(1);
  });
});

describe('matchTotp', () => {
  const step = totpStep(now);

  it('accepts the codes of the previous, current and next step and returns that step', () => {
    for (const offset of [-1, 0, 1]) {
      expect(matchTotp(secret, totpCodeAt(secret, now + offset * period), now)).toBe(step + offset);
    }
  });

  it('Security: rejects codes two steps away (stale or intercepted codes)', () => {
    for (const offset of [-2, 2]) {
      expect(matchTotp(secret, totpCodeAt(secret, now + offset * period), now)).toBeNull();
    }
  });

  it('honours a narrower window', () => {
    expect(matchTotp(secret, totpCodeAt(secret, now - period), now, 0)).toBeNull();
    expect(matchTotp(secret, totpCodeAt(secret, now), now, 0)).toBe(step);
  });

  it('Security: replay detection — the same code returns the same step, so the caller can refuse it', () => {
    const code = totpCodeAt(secret, now);
    let lastAcceptedStep = -1;
    const accept = (at: number) => {
      const matched = matchTotp(secret, code, at);
      if (matched === null || matched <= lastAcceptedStep) return false;
      lastAcceptedStep = matched;
      return true;
    };
    expect(accept(now)).toBe(true);
    expect(accept(now + 1000)).toBe(false);
    expect(accept(now + period)).toBe(false);
  });

  it('accepts a code typed with spaces', () => {
    const code = totpCodeAt(secret, now);
    expect(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(step);
  });

  it('Security: rejects anything that is not exactly 6 digits', () => {
    const code = totpCodeAt(secret, now);
    for (const junk of [
      '',
      code.slice(0, 5),
      `${code}0`,
      `0${code}`,
      `${code.slice(0, 5)}a`,
      '１２３４５６',
      '-12345',
    ]) {
      expect(matchTotp(secret, junk, now)).toBeNull();
    }
  });

  it('refuses an unreasonable window', () => {
    expect(() => matchTotp(secret, '123456', now, -1)).toThrow(RangeError);
    expect(() => matchTotp(secret, '123456', now, 11)).toThrow(RangeError);
  });
});
