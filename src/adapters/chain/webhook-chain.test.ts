import { describe, expect, it } from 'vitest';
import { signWebhook } from '../webhook/webhook-sender.js';
import { verifyChainCallback } from './webhook-chain.js';

const SECRET = 'a-callback-secret-of-at-least-32-chars';
const NOW = new Date('2026-11-21T12:00:00Z');
const t = Math.floor(NOW.getTime() / 1000);

describe('signed chain callbacks', () => {
  const body = '{"withdrawalId":"x","event":"confirmed"}';
  it('accepts the signer’s signature over the raw body', () => {
    expect(verifyChainCallback(SECRET, signWebhook(SECRET, t, body), body, NOW)).toBe(true);
  });
  it('refuses another secret, a changed body, a missing header and a replay older than 5 minutes', () => {
    expect(verifyChainCallback(SECRET, signWebhook(`${SECRET}x`, t, body), body, NOW)).toBe(false);
    expect(verifyChainCallback(SECRET, signWebhook(SECRET, t, body), body.replace('x', 'y'), NOW)).toBe(
      false,
    );
    expect(verifyChainCallback(SECRET, undefined, body, NOW)).toBe(false);
    expect(verifyChainCallback(SECRET, signWebhook(SECRET, t - 301, body), body, NOW)).toBe(false);
    expect(verifyChainCallback(SECRET, signWebhook(SECRET, t + 301, body), body, NOW)).toBe(false);
    expect(verifyChainCallback(SECRET, 't=abc,v1=00', body, NOW)).toBe(false);
  });
});
