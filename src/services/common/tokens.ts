import { createHash } from 'node:crypto';
import type { Random } from '../../deps.js';

/**
 * Opaque bearer secrets (sessions, devices, email links, sign-in challenges): 256 random bits,
 * base64url. Only their SHA-256 is stored, so a database leak yields no usable token; a plain
 * hash is enough because the input has full entropy (no password to brute-force).
 */
export function newToken(random: Random): string {
  return random.bytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export const isWellFormedToken = (token: unknown): token is string =>
  typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
