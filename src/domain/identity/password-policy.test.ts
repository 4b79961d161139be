import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY, evaluatePassword, normalizePassword } from './password-policy.js';

const policy = DEFAULT_PASSWORD_POLICY;
const codes = (password: string, inputs?: string[]) =>
  evaluatePassword(password, policy, inputs).problems.map((p) => p.code);

describe('evaluatePassword: length', () => {
  it('rejects a password shorter than the minimum', () => {
    expect(codes('x7#Qv!9')).toContain('TOO_SHORT');
  });

  it('accepts a strong 128-character password and rejects 129 characters at max 128', () => {
    const long = 'Zq8#vL2!mW5@tR9$kP3%'.repeat(7).slice(0, 128);
    expect(evaluatePassword(long, policy)).toMatchObject({ ok: true, problems: [] });
    const tooLong = evaluatePassword(`${long}a`, policy);
    expect(tooLong.ok).toBe(false);
    expect(tooLong.problems.map((p) => p.code)).toEqual(['TOO_LONG']);
  });

  it('counts emoji as one character each (code points, not UTF-16 units)', () => {
    // 11 emoji are 22 UTF-16 units but 11 code points: still too short.
    expect(codes('🦊🐙🌵🚲🎻🧊🪁🦉🍄🛶🧲')).toContain('TOO_SHORT');
    expect(codes('🦊🐙🌵🚲🎻🧊🪁🦉🍄🛶🧲🪐')).not.toContain('TOO_SHORT');
  });

  it('counts length after NFKC normalisation', () => {
    // 'e' + combining acute accent composes to one code point.
    const decomposed = 'caf\u0065\u0301'.repeat(3);
    expect(Array.from(normalizePassword(decomposed))).toHaveLength(12);
    expect(normalizePassword('ｐａｓｓ１２３')).toBe('pass123');
  });
});

describe('evaluatePassword: guessability', () => {
  it('Security: rejects a password from the shipped common-password list, whatever its case', () => {
    expect(codes('qwerty123456')).toEqual(['COMMON']);
    expect(codes('QWERTY123456')).toEqual(['COMMON']);
    expect(evaluatePassword('1qaz2wsx3edc', policy).score).toBe(0);
  });

  it('Security: rejects password123456 as common or too weak', () => {
    const verdict = evaluatePassword('password123456', policy);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.some((p) => p.code === 'COMMON' || p.code === 'TOO_WEAK')).toBe(true);
  });

  it('accepts a random passphrase without composition rules', () => {
    const verdict = evaluatePassword('vapour tundra quilt marmalade oboe', policy);
    expect(verdict).toMatchObject({ ok: true, problems: [] });
    expect(verdict.score).toBeGreaterThanOrEqual(3);
  });

  it('Security: penalises the account email used as the password', () => {
    const email = 'margaret.oyelaran@example.com';
    const verdict = evaluatePassword(email, policy, [email]);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.code)).toEqual(['TOO_WEAK']);
  });

  it('Security: penalises a password built from the parts of the email', () => {
    const withInputs = evaluatePassword('oyelaranmargaret', policy, ['margaret.oyelaran@example.com']);
    const without = evaluatePassword('oyelaranmargaret', policy);
    expect(withInputs.score).toBeLessThanOrEqual(without.score);
    expect(withInputs.ok).toBe(false);
  });

  it('gives plain-English feedback for a weak password', () => {
    const verdict = evaluatePassword('aaaaaaaaaaaaaaaa', policy);
    expect(verdict.ok).toBe(false);
    expect(verdict.warning).toMatch(/[a-z]/i);
    expect(verdict.suggestions.length).toBeGreaterThan(0);
    for (const p of verdict.problems) expect(p.message).toMatch(/^[A-Z].*\.$/);
  });
});
