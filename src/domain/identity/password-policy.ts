import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  minStrength: 0 | 1 | 2 | 3 | 4;
}

export type PasswordProblemCode = 'TOO_SHORT' | 'TOO_LONG' | 'COMMON' | 'TOO_WEAK';

export interface PasswordVerdict {
  ok: boolean;
  score: 0 | 1 | 2 | 3 | 4;
  problems: { code: PasswordProblemCode; message: string }[];
  warning: string | null;
  suggestions: string[];
}

/** SPEC S1: at least 12 characters, at least 128 accepted; score 3 is zxcvbn's "safely unguessable". */
export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  minLength: 12,
  maxLength: 128,
  minStrength: 3,
});

/**
 * The one canonical form of a password, used both to check it and to hash it (NIST SP 800-63B
 * §5.1.1.2). NFKC makes the same password typed on different keyboards or platforms (composed
 * vs decomposed accents, full-width digits) hash the same.
 */
export function normalizePassword(p: string): string {
  return p.normalize('NFKC');
}

// Building the ranked dictionaries takes a noticeable fraction of a second, so it happens once, on
// first use, and never at import (the CLI and tests that never check a password do not pay for it).
let zxcvbn: ZxcvbnFactory | undefined;
let commonPasswords: ReadonlySet<string> | undefined;

function estimator(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
    // The default (100) lets one 128-character password cost ~0.5 s of CPU, a cheap denial of
    // service on registration; 20 costs ~0.1 s and scored every l33t sample we tried the same.
    l33tMaxSubstitutions: 20,
  });
  return zxcvbn;
}

function isCommon(normalized: string): boolean {
  commonPasswords ??= new Set(zxcvbnCommon.dictionary['passwords-common'].map((w) => w.toLowerCase()));
  return commonPasswords.has(normalized.toLowerCase());
}

// An email such as "jane.doe@example.com" should also penalise "janedoe2024", so each input is
// offered whole and in its parts.
function expandUserInputs(inputs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const input of inputs) {
    const value = normalizePassword(input).toLowerCase();
    if (value.length > 0) out.add(value);
    for (const part of value.split(/[^\p{L}\p{N}]+/u)) if (part.length >= 3) out.add(part);
  }
  return [...out];
}

/**
 * Judges a password against the policy: length in code points after NFKC, the shipped list of
 * common passwords (case-insensitive), and zxcvbn strength with `userInputs` (email, name)
 * penalised. No composition rules, as NIST SP 800-63B advises.
 *
 * @example evaluatePassword('correct-tundra-marmalade-oboe', DEFAULT_PASSWORD_POLICY, ['jane@example.com']).ok
 */
export function evaluatePassword(
  password: string,
  policy: PasswordPolicy,
  userInputs: string[] = [],
): PasswordVerdict {
  const codePoints = Array.from(normalizePassword(password));
  const problems: PasswordVerdict['problems'] = [];
  if (codePoints.length < policy.minLength) {
    problems.push({ code: 'TOO_SHORT', message: `Use at least ${policy.minLength} characters.` });
  }
  if (codePoints.length > policy.maxLength) {
    problems.push({ code: 'TOO_LONG', message: `Use at most ${policy.maxLength} characters.` });
  }
  // Only what could be accepted is measured: this bounds the estimator's work on huge inputs.
  const measured = codePoints.slice(0, policy.maxLength).join('');
  const common = isCommon(measured);
  const result = estimator().check(measured, expandUserInputs(userInputs));
  // A listed password is the first thing an attacker tries, whatever its pattern looks like.
  const score = common ? 0 : result.score;
  if (common) {
    problems.push({
      code: 'COMMON',
      message: 'This password is on a list of common or leaked passwords. Choose another one.',
    });
  } else if (score < policy.minStrength) {
    problems.push({
      code: 'TOO_WEAK',
      message:
        'This password would be too easy to guess. Add more words or characters that are hard to guess.',
    });
  }
  return {
    ok: problems.length === 0,
    score,
    problems,
    warning: result.feedback.warning || null,
    suggestions: result.feedback.suggestions,
  };
}
