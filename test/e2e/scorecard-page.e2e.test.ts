import { describe, expect, it } from 'vitest';
import { useE2E } from './support/server.js';
import { watchConsole } from './support/console.js';

const e2e = useE2E();

describe('the public safety scorecard page (SPEC S10)', () => {
  it('a visitor finds the platform’s score, its evidence, its gaps and its peers, then opens the full report', async () => {
    const page = await (await e2e.newContext()).newPage();
    const problems = watchConsole(page);
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Safety scorecard' }).click();
    await page.getByRole('heading', { name: 'Safety scorecard', level: 1 }).waitFor();

    const score = page.getByTestId('self-score');
    await score.waitFor();
    expect(await score.getByTestId('score').innerText()).toMatch(/^\d{1,3}\.\d$/);
    expect(await score.getByTestId('grade').innerText()).toMatch(/^grade [A-F]$/);
    expect(await page.getByTestId('pillar-bar').count()).toBe(8);
    const app = page.locator('[data-testid="pillar-bar"][data-pillar="app_security"]');
    expect(await app.getByRole('img').getAttribute('aria-label')).toMatch(
      /^App Security & Account Controls: [\d.]+ of 10$/,
    );

    // The evidence behind a live point: the platform's own configuration.
    const details = page.getByTestId('pillar-detail').filter({ hasText: 'App Security & Account Controls' });
    await details.locator('summary').click();
    const whitelist = details.locator('[data-criterion="app.address_whitelist"]');
    await whitelist.getByText('Custos configuration: WHITELIST_ONLY=true').waitFor();
    expect(await whitelist.getAttribute('data-known')).toBe('true');

    // Custody is not something Custos can see: gaps, said plainly.
    await page.getByTestId('gap-summary').waitFor();
    expect(await page.getByTestId('gap').filter({ hasText: 'custody.hsm' }).count()).toBe(1);
    expect(await page.getByTestId('verdict').count()).toBe(5);
    expect(await page.getByTestId('peer-row').count()).toBe(6);
    await page.getByTestId('peer-row').filter({ hasText: 'Crypto.com' }).waitFor();
    await e2e.shot(page, 'scorecard');

    // Phone width: the page itself never scrolls sideways (tables scroll inside their frame).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
      true,
    );
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByTestId('report-link').click();
    await page.waitForURL('**/v1/scorecard/report.html');
    await page.getByText('Crypto.com').first().waitFor();
    expect(await page.locator('svg[role="img"]').count()).toBeGreaterThan(2);
    expect(await page.locator('script').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
