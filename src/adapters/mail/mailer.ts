import nodemailer from 'nodemailer';
import type { Db } from '../../db/database.js';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The port the outbox worker sends through. */
export interface Mailer {
  readonly kind: 'smtp' | 'dev-mailbox';
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    kind: 'smtp',
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    async close() {
      transport.close();
    },
  };
}

/** Outside production without SMTP_URL: messages are stored and listed at /dev/mailbox. */
export function createDevMailbox(db: Db, now: () => Date, uuid: () => string): Mailer {
  return {
    kind: 'dev-mailbox',
    async send(m) {
      await db
        .insertInto('dev_mailbox')
        .values({
          id: uuid(),
          to_address: m.to,
          subject: m.subject,
          text_body: m.text,
          html_body: m.html,
          created_at: now(),
        })
        .execute();
    },
    async close() {},
  };
}
