import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SIGNATURE_HEADER } from '../../src/adapters/webhook/webhook-sender.js';
import { drainOutbox } from '../../src/services/notifications/outbox-worker.js';
import { createHarness, type Harness, uniqueEmail } from '../fixtures/harness.js';

/** Real delivery: an SMTP server and a webhook receiver in this process, on 127.0.0.1. */
const received: Array<{ to: string[]; raw: string }> = [];
const hooks: Array<{ signature: string; body: string }> = [];
let smtp: SMTPServer;
let hookServer: http.Server;
let h: Harness;
const WEBHOOK_SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';
let failNextHook = false;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => {
        raw += d.toString();
      });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (failNextHook) {
        failNextHook = false;
        res.writeHead(500).end();
        return;
      }
      hooks.push({ signature: String(req.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()]), body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const hookPort = (hookServer.address() as AddressInfo).port;
  h = await createHarness({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    WEBHOOK_URL: `http://127.0.0.1:${hookPort}/custos`,
    WEBHOOK_SECRET,
  });
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => hookServer.close(() => r()));
});

function tokenIn(raw: string, linkPath: string): string {
  // Quoted-printable may wrap lines with "=\r\n".
  const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const m = new RegExp(`${linkPath}\\?token=([A-Za-z0-9_-]{43})`).exec(text);
  if (!m) throw new Error(`no ${linkPath} link in the message`);
  return m[1]!;
}

describe('email over SMTP', () => {
  it('registration mail reaches a real SMTP server and its link verifies the account', async () => {
    const email = uniqueEmail();
    const c = h.client();
    await c.post('/v1/auth/register', { email, password: 'a sturdy passphrase for smtp 1' });
    await drainOutbox(h.deps);
    const msg = received.find((m) => m.to.includes(email));
    expect(msg).toBeDefined();
    expect(msg!.raw).toMatch(/Subject: Confirm your email address/);
    expect(msg!.raw).toContain('anti-phishing code');
    const token = tokenIn(msg!.raw, '/verify-email');
    expect((await c.post('/v1/auth/verify-email', { token })).body.verified).toBe(true);
    // Nothing goes to the development mailbox when SMTP is configured.
    const dev = await h.deps.db.selectFrom('dev_mailbox').selectAll().execute();
    expect(dev).toHaveLength(0);
    expect((await h.client().get('/dev/mailbox')).status).toBe(404);
  });
});

describe('signed webhooks', () => {
  it('every notification is also a webhook signed with HMAC-SHA256 over the timestamp and body', async () => {
    const email = uniqueEmail();
    const c = h.client();
    await c.post('/v1/auth/register', { email, password: 'a sturdy passphrase for hooks 2' });
    await drainOutbox(h.deps);
    const hook = hooks.find((x) => JSON.parse(x.body).type === 'user.account_registered');
    expect(hook).toBeDefined();
    const [t, v1] = hook!.signature.split(',').map((p) => p.split('=')[1]!);
    const expected = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${hook!.body}`).digest('hex');
    expect(v1).toBe(expected);
    const body = JSON.parse(hook!.body);
    expect(body.data.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook!.body).not.toMatch(/token|password/i);
  });

  it('a failed delivery is retried later, not lost', async () => {
    const email = uniqueEmail();
    failNextHook = true;
    const before = hooks.length;
    await h.client().post('/v1/auth/register', { email, password: 'a sturdy passphrase for retry 3' });
    await drainOutbox(h.deps);
    const pending = await h.deps.db
      .selectFrom('outbox')
      .select(['attempts', 'last_error'])
      .where('sent_at', 'is', null)
      .execute();
    expect(pending.some((p) => p.last_error?.includes('500'))).toBe(true);
    h.clock.advanceMinutes(10);
    await drainOutbox(h.deps);
    expect(hooks.length).toBeGreaterThan(before);
    const left = await h.deps.db.selectFrom('outbox').select('id').where('sent_at', 'is', null).execute();
    expect(left).toHaveLength(0);
  });
});
