import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactValue } from '../../src/domain/scorecard/criterion.js';
import type { Fact, Profile } from '../../src/domain/scorecard/profile.js';
import { renderHtml } from '../../src/domain/scorecard/render-html.js';
import { buildReport, type ScoreReport } from '../../src/domain/scorecard/report.js';
import { useE2E } from './support/server.js';
import { watchConsole } from './support/console.js';

/**
 * The standalone HTML scorecard report (src/domain/scorecard/render-html.ts) opened from disk in
 * Chromium: it loads nothing, logs nothing, draws its charts and fits a phone screen.
 */

const ev = (value: FactValue, source = 'https://example.com/disclosure', note?: string): Fact => ({
  value,
  source,
  date: '2026-01-15',
  ...(note === undefined ? {} : { note }),
});

const PROFILES: readonly Profile[] = [
  {
    name: 'Alpha Exchange',
    description: 'Alpha Exchange Ltd, EU retail platform',
    asOf: '2026-02-01',
    facts: {
      'custody.cold_storage_share': ev(96, 'https://alpha.example/transparency', 'From the annual report.'),
      'custody.multisig_or_mpc': ev(true),
      'custody.hsm': ev(true),
      'custody.segregated_accounts': { value: 'unknown', note: 'Only on unofficial mirror sites.' },
      'por.method': ev('merkle_tree'),
      'por.liabilities_included': ev(true),
      'por.last_report_date': ev('2026-01-10'),
      'regulation.licences': ev(['MFSA', 'FCA', 'BaFin', 'AMF', 'CySEC', 'CNMV']),
      'app.mandatory_2fa': ev(true),
      'app.address_whitelist': ev('mandatory'),
      'incident.major_incidents_5y': ev(0),
      'support.live_chat_24_7': ev(true),
    },
  },
  {
    name: 'Beta Markets',
    asOf: '2026-02-01',
    facts: {
      'custody.cold_storage_share': ev(60),
      'custody.hsm': ev(false, 'Beta Markets security whitepaper, v3 (PDF, not online)'),
      'por.method': ev('wallet_disclosure'),
      'por.auditor': ev(false),
      'app.mandatory_2fa': ev(false),
      'ux.app_store_rating': ev(4.1),
    },
  },
  {
    // A long unbreakable name and source: they must wrap, not widen the page.
    name: 'Gamma-Global-Digital-Asset-Trading-Platform-International-Holdings',
    asOf: '2026-02-01',
    facts: {
      'custody.multisig_or_mpc': ev(
        true,
        'https://gamma.example/a/very/long/path/to/a/disclosure/document/that/never/breaks/anywhere/at/all.pdf',
      ),
      'insurance.amount_usd': ev(250_000_000),
      'regulation.enforcement_actions_5y': ev(2),
    },
  },
];

const TITLE = 'Exchange safety scorecard: Q1 review';

const e2e = useE2E();
let report: ScoreReport;
let fileUrl: string;
let dir: string;
const contexts: BrowserContext[] = [];

beforeAll(() => {
  report = buildReport(PROFILES);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-scorecard-report-'));
  const file = path.join(dir, 'scorecard.html');
  fs.writeFileSync(file, renderHtml(report, { title: TITLE }));
  fileUrl = pathToFileURL(file).href;
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(viewport: { width: number; height: number }, phone = false) {
  const context = await e2e.browser.newContext({
    viewport,
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
  });
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchConsole(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(fileUrl, { waitUntil: 'load' });
  return { page, problems, requests };
}

describe('the HTML scorecard report in Chromium', () => {
  it('opens from disk with no request beyond itself, no console error, and shows every profile and chart', async () => {
    const { page, problems, requests } = await open({ width: 1280, height: 800 });

    expect(await page.title()).toBe(TITLE);
    expect(await page.getByRole('heading', { level: 1, name: TITLE }).isVisible()).toBe(true);

    for (const [i, entry] of report.entries.entries()) {
      const section = page.locator(`section#p${i + 1}`);
      expect(await section.getByRole('heading', { level: 2 }).first().textContent()).toContain(
        entry.card.profile,
      );
      const score = section.locator('.score .big');
      expect(await score.isVisible()).toBe(true);
      expect(await score.textContent()).toBe(entry.card.score.toFixed(1));
      expect(await section.locator('.grade .letter').textContent()).toBe(entry.card.grade);
    }

    // Two comparison charts, then one per profile: each drawn, each an image with a name.
    const charts = page.locator('svg');
    expect(await charts.count()).toBe(2 + PROFILES.length);
    for (let i = 0; i < (await charts.count()); i++) {
      const chart = charts.nth(i);
      const box = await chart.boundingBox();
      expect(box, `chart ${i}`).not.toBeNull();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
      expect(await chart.getAttribute('role')).toBe('img');
      expect(await chart.getAttribute('aria-label')).toMatch(/\d/);
      // The bars are there and take space.
      const bars = await chart
        .locator('rect')
        .evaluateAll((rs) => rs.map((r) => (r as SVGRectElement).getBoundingClientRect().height));
      expect(bars.length).toBeGreaterThan(0);
      expect(Math.min(...bars)).toBeGreaterThan(0);
    }
    const totals = page.getByRole('img', { name: /^Total score out of 100 by profile/ });
    expect(await totals.count()).toBe(1);

    // The matrix: one column per profile (after Criterion and Max), one row per criterion.
    const matrix = page.locator('table.matrix');
    const headers = await matrix.locator('thead th[scope="col"]').allTextContents();
    expect(headers).toHaveLength(2 + PROFILES.length);
    PROFILES.forEach((p, i) => expect(headers[i + 2]).toContain(p.name));
    expect(await matrix.locator('tbody tr:not(.group)').first().locator('td.cell').count()).toBe(
      PROFILES.length,
    );
    expect(await matrix.locator('td.unk').first().textContent()).toContain('?');

    // Evidence links open nothing by themselves and carry rel=noopener noreferrer.
    const link = page.locator('section#p1 a[href^="https://alpha.example/"]');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    expect(requests).toEqual([fileUrl]);
    expect(problems).toEqual([]);
  });

  it('fits a phone screen: nothing overflows sideways except inside the matrix’s scroll container', async () => {
    const { page, problems, requests } = await open({ width: 390, height: 844 }, true);

    const widths = await page.evaluate(() => ({
      viewport: document.documentElement.clientWidth,
      document: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
    }));
    expect(widths.viewport).toBe(390);
    expect(widths.document).toBeLessThanOrEqual(widths.viewport);
    expect(widths.body).toBeLessThanOrEqual(widths.viewport);

    // Every element ends within the screen, unless it sits in the matrix's scroll container.
    const outside = await page.evaluate(() => {
      const limit = document.documentElement.clientWidth + 0.5;
      return [...document.body.querySelectorAll('*')]
        .filter((el) => !el.closest('.matrix-scroll'))
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && (r.right > limit || r.left < -0.5);
        })
        .map((el) => `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}`);
    });
    expect(outside).toEqual([]);

    // The matrix itself is wider than the screen and scrolls inside its container.
    const scroll = await page.locator('.matrix-scroll').evaluate((el) => ({
      client: el.clientWidth,
      scroll: el.scrollWidth,
      overflowX: getComputedStyle(el).overflowX,
    }));
    expect(scroll.client).toBeLessThanOrEqual(390);
    expect(scroll.scroll).toBeGreaterThan(scroll.client);
    expect(scroll.overflowX).toBe('auto');

    // The charts shrink to the screen and stay drawn.
    for (const box of await page
      .locator('svg')
      .evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(box.width).toBeGreaterThan(200);
      expect(box.right).toBeLessThanOrEqual(390);
    }
    for (const [i, entry] of report.entries.entries()) {
      expect(await page.locator(`section#p${i + 1} .score .big`).textContent()).toBe(
        entry.card.score.toFixed(1),
      );
    }

    expect(requests).toEqual([fileUrl]);
    expect(problems).toEqual([]);
  });
});
