import { createHmac, timingSafeEqual } from 'node:crypto';
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from '../webhook/webhook-sender.js';
import type { BroadcastResult, ChainAdapter, ChainWithdrawal } from './chain-adapter.js';

/**
 * The platform's own signer behind a signed HTTP call. Custos POSTs the withdrawal, signed with
 * CHAIN_SIGNER_SECRET in the same `t=…,v1=…` scheme as its webhooks; the signer answers
 * `{ "status": "accepted", "txId"?: … }` or `{ "status": "refused", "reason": … }`, and later
 * reports the transaction's fate by a signed callback (see `verifyChainCallback`). The signer
 * must deduplicate by `withdrawalId`.
 */
export function createWebhookChain(options: {
  url: string;
  secret: string;
  now: () => Date;
  timeoutMs?: number;
}): ChainAdapter {
  return {
    name: 'webhook',
    async broadcast(w: ChainWithdrawal): Promise<BroadcastResult> {
      const body = JSON.stringify({
        type: 'withdrawal.broadcast',
        withdrawalId: w.withdrawalId,
        asset: w.asset,
        network: w.network,
        address: w.address,
        amount: w.amount.toString(),
      });
      const res = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(
            options.secret,
            Math.floor(options.now().getTime() / 1000),
            body,
          ),
          'Idempotency-Key': w.withdrawalId,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new Error(`signer answered ${res.status}`);
      const answer = (await res.json().catch(() => null)) as {
        status?: unknown;
        txId?: unknown;
        reason?: unknown;
      } | null;
      if (answer?.status === 'accepted')
        return {
          status: 'accepted',
          txId: typeof answer.txId === 'string' ? answer.txId.slice(0, 200) : null,
        };
      if (answer?.status === 'refused')
        return { status: 'refused', reason: String(answer.reason ?? 'refused by the signer').slice(0, 200) };
      throw new Error('signer gave no status');
    },
    // The signer deduplicates by withdrawal id, so "not sure" is answered by sending again.
    lookup: async () => 'unknown',
    // Confirmation arrives by callback.
    confirmation: async () => 'unknown',
  };
}

/** Checks a callback's `t=…,v1=…` signature over `<t>.<raw body>` and its age (replay). */
export function verifyChainCallback(
  secret: string,
  header: string | undefined,
  rawBody: string,
  now: Date,
  maxAgeSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > maxAgeSeconds || !parts.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
