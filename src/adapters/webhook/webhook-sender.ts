import { createHmac } from 'node:crypto';

/**
 * Signed webhooks to the platform. The receiver recomputes
 * `HMAC-SHA256(secret, "<t>.<raw body>")` and compares it with `v1`, and refuses a `t` older than
 * a few minutes (replay).
 */
export interface WebhookSender {
  send(event: { id: string; type: string; createdAt: string; data: Record<string, unknown> }): Promise<void>;
}

export const WEBHOOK_SIGNATURE_HEADER = 'Custos-Signature';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export function createWebhookSender(url: string, secret: string, now: () => Date): WebhookSender {
  return {
    async send(event) {
      const body = JSON.stringify(event);
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, Math.floor(now().getTime() / 1000), body),
          'Custos-Event-Id': event.id,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    },
  };
}
