import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/database.js';
import { buildDeps, type Clock, closeDeps, type Deps } from '../../../src/deps.js';
import { totpCodeAt } from '../../../src/domain/identity/totp.js';
import { createApp } from '../../../src/http/app.js';
import { createLogger } from '../../../src/observability/logger.js';
import { drainOutbox } from '../../../src/services/notifications/outbox-worker.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PASSWORD = 'violet harbour engine tulip 97';
const SCREENSHOTS = path.resolve('test-results', 'screenshots');

/** Real time plus an offset the test moves forward: TOTP steps, waiting periods, countdowns. */
export class ShiftClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** Moves to the start of the next 30-s TOTP step, so a code not used before exists. */
  nextTotpStep(): void {
    const t = this.now().getTime();
    this.advance(Math.floor(t / 30_000) * 30_000 + 30_000 + 500 - t);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface E2E {
  readonly baseUrl: string;
  readonly deps: Deps;
  readonly clock: ShiftClock;
  readonly browser: Browser;
  /** A new browser (its own cookies: a new device to Custos). */
  newContext(options?: { phone?: boolean }): Promise<BrowserContext>;
  /** The newest link to `linkPath` in an email to `to` (delivers the outbox first). */
  link(to: string, linkPath: string): Promise<string>;
  totp(secret: string): string;
  /** Full-page screenshots at desktop and phone width, for a person to look at. */
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real Custos server (HTTP on 127.0.0.1, PGlite in memory, the built security center, the
 * development mailbox) and Debian's Chromium driven by playwright-core. `env` adds or overrides
 * configuration (e.g. DEFAULT_TIER).
 */
export async function startE2E(options: { env?: Record<string, string> } = {}): Promise<E2E> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-e2e-'));
  const baseUrl = `http://localhost:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: baseUrl,
    // Lowered for speed; production refuses these (see config.ts).
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_SUBNET_PER_MINUTE: '100000',
    ...options.env,
  });
  const clock = new ShiftClock();
  const database = await openDatabase({ pgliteDir: 'memory://' });
  const deps = await buildDeps(config, {
    clock,
    database,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    defaultMetrics: false,
  });
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    baseUrl,
    deps,
    clock,
    browser,
    async newContext({ phone = false } = {}) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
        ...(phone ? { isMobile: true, hasTouch: true } : {}),
      });
      contexts.push(context);
      return context;
    },
    async link(to, linkPath) {
      await drainOutbox(deps);
      const rows = await deps.db
        .selectFrom('dev_mailbox')
        .select(['text_body'])
        .where('to_address', '=', to)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const re = new RegExp(
        `(https?://[^\\s]+${linkPath.replace(/[/?]/g, '\\$&')}\\?token=[A-Za-z0-9_-]{43})`,
      );
      for (const r of rows) {
        const m = re.exec(r.text_body);
        if (m) return m[1]!;
      }
      throw new Error(`no email to ${to} with a ${linkPath} link`);
    },
    totp: (secret) => totpCodeAt(secret, clock.now().getTime()),
    async shot(page, name) {
      // Every page photographed is also checked: each form control has a label.
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((el) => {
            const c = el as HTMLInputElement;
            return c.type !== 'hidden' && !c.labels?.length && !c.getAttribute('aria-label');
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      if (unlabelled.length)
        throw new Error(`${name}: form controls without a label: ${unlabelled.join(', ')}`);
      const size = page.viewportSize() ?? { width: 1280, height: 800 };
      for (const [label, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
      }
      await page.setViewportSize(size);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeDeps(deps);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One server and browser for a whole test file; `e2e.x` works once beforeAll has run. */
export function useE2E(options: Parameters<typeof startE2E>[0] = {}): E2E {
  let current: E2E | undefined;
  beforeAll(async () => {
    current = await startE2E(options);
  });
  afterAll(() => current?.close());
  return new Proxy({} as E2E, {
    get(_target, prop) {
      if (!current) throw new Error('the browser fixture is used before beforeAll ran');
      const value = Reflect.get(current, prop);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

let counter = 0;
export const newEmail = (tag: string) => `${tag}-${Date.now().toString(36)}-${counter++}@example.com`;
