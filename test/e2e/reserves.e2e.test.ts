import fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../src/adapters/crypto/por-crypto.js';
import { setSimulatedWalletBalance } from '../../src/adapters/chain/simulated-chain.js';
import { verifyProof } from '../../src/domain/reserves/verify.js';
import { creditDeposit } from '../../src/services/ledger/platform-operations.js';
import { createStaff, ETH, signInStaff, staffRequest } from './support/admin.js';
import { signInWithPasswordOnly, signUp } from './support/flows.js';
import { newEmail, useE2E } from './support/server.js';
import { watchConsole } from './support/console.js';

const e2e = useE2E();
const BTC = 100_000_000n;
const HOUR = 3_600_000;

async function fund(userId: string, asset: string, amount: bigint, network: string) {
  await creditDeposit(
    e2e.deps,
    { credentialId: 'e2e', name: 'e2e platform', scopes: ['deposits'] },
    { userId, asset, amount, network, txId: `e2e-por-${asset}-${userId}`, outputIndex: 0 },
  );
}

const result = (page: Page, asset: string): Locator =>
  page.locator(`[data-testid="por-result"][data-asset="${asset}"]`);

/** Registers a wallet with the console's form; a manual one with its balance in the asset's units. */
async function registerWallet(
  page: Page,
  w: { asset: string; label: string; address: string; balance?: string },
) {
  await page.getByLabel('Asset').selectOption(w.asset);
  await page.getByLabel('Label').fill(w.label);
  await page.getByLabel('Address').fill(w.address);
  if (w.balance === undefined) {
    await page.getByLabel('Read from the chain at each snapshot').check();
  } else {
    await page.getByLabel('Recorded by staff (manual)').check();
    await page.getByLabel(`Balance in ${w.asset}`).fill(w.balance);
  }
  await page.getByRole('button', { name: 'Register the wallet' }).click();
  await page.getByTestId('reserves-result').getByText(`“${w.label}” is registered`).waitFor();
  await page.locator(`[data-testid="wallet-row"][data-address="${w.address}"]`).waitFor();
}

/** Set by the first test, read by the next ones (they run in order, on one server). */
const state = { customerPage: null as Page | null, problems: [] as string[], userId: '' };

describe('proof of reserves in the browser (SPEC S8)', () => {
  it('an operator registers wallets and takes a snapshot; the customer verifies their proofs in the page and downloads them', async () => {
    // Before the first snapshot: the empty states.
    const visitor = await (await e2e.newContext()).newPage();
    const visitorProblems = watchConsole(visitor);
    await visitor.goto('/transparency');
    await visitor.getByTestId('no-snapshot').getByText('No snapshot has been published yet').waitFor();
    expect(visitorProblems).toEqual([]);

    const email = newEmail('reserves');
    const page = await (await e2e.newContext()).newPage();
    await signUp(e2e, page, email);
    await signInWithPasswordOnly(page, email);
    const userId = (await (await page.request.get('/v1/me')).json()).id as string;
    await fund(userId, 'BTC', 3n * (BTC / 2n), 'bitcoin');
    await fund(userId, 'ETH', 2n * ETH, 'ethereum');
    const problems = watchConsole(page);
    await page
      .getByRole('navigation', { name: 'Security settings' })
      .getByRole('link', { name: 'Proof of reserves' })
      .click();
    await page.getByRole('heading', { name: 'Proof of reserves', level: 1 }).waitFor();
    await page.getByTestId('no-snapshot').getByText('No snapshot includes you yet').waitFor();

    // The operator: a manual BTC wallet, a chain ETH wallet holding half of what is owed, and a
    // USDC wallet registered by mistake and removed.
    const staff = await createStaff(e2e, 'admin');
    const admin = await (await e2e.newContext()).newPage();
    await signInStaff(e2e, admin, staff);
    const adminProblems = watchConsole(admin);
    await admin
      .getByRole('navigation', { name: 'Admin console' })
      .getByRole('link', { name: 'Proof of reserves' })
      .click();
    await admin.getByRole('heading', { name: 'Proof of reserves' }).waitFor();
    await admin.getByTestId('no-wallet').waitFor();
    await admin.getByTestId('no-snapshot').waitFor();
    await registerWallet(admin, {
      asset: 'BTC',
      label: 'Cold storage 1',
      address: 'bc1q-e2e-cold',
      balance: '2',
    });
    expect(
      await admin.locator('[data-address="bc1q-e2e-cold"] [data-testid="wallet-balance"]').innerText(),
    ).toBe('2 BTC');
    await setSimulatedWalletBalance(e2e.deps.db, 'ETH', '0xe2e-hot', ETH);
    await registerWallet(admin, { asset: 'ETH', label: 'Hot wallet', address: '0xe2e-hot' });
    await registerWallet(admin, { asset: 'USDC', label: 'Mistake', address: 'usdc-wrong', balance: '10' });
    await admin
      .locator('[data-address="usdc-wrong"]')
      .getByRole('button', { name: /^Remove…/ })
      .click();
    const confirm = admin.getByRole('dialog', { name: 'Remove Mistake?' });
    await confirm.getByText('no longer counts in the USDC reserves').waitFor();
    await confirm.getByRole('button', { name: 'Yes, remove it' }).click();
    await admin.getByTestId('reserves-result').getByText('“Mistake” is removed').waitFor();
    await admin.locator('[data-address="usdc-wrong"]').waitFor({ state: 'detached' });

    await admin.getByRole('button', { name: 'Take a snapshot now…' }).click();
    await admin
      .getByRole('dialog', { name: 'Take a snapshot now?' })
      .getByRole('button', { name: 'Yes, take and publish it' })
      .click();
    await admin
      .getByTestId('reserves-result')
      .getByText(/^Snapshot .* is published\.$/)
      .waitFor();
    const row = admin.getByTestId('snapshot-row').first();
    await row.locator('[data-status="published"]').waitFor();
    expect(await row.getByTestId('requested-by').innerText()).toBe('you');
    await e2e.shot(admin, 'admin-reserves');
    // One snapshot is a chart of single points, drawn without an error.
    await visitor.goto('/transparency');
    await visitor.getByTestId('ratio-chart').locator('canvas').waitFor();
    expect(await visitor.getByTestId('history-row').count()).toBe(1);
    expect(visitorProblems).toEqual([]);
    expect(adminProblems).toEqual([]);

    // The customer: the snapshot with their balances, the key the page trusts, and every proof ✓.
    const key = e2e.deps.porSigner.publicKeyHex;
    await page.reload();
    const card = page.getByTestId('por-snapshot');
    await card.getByTestId('holding-BTC').getByText('1.5 BTC').waitFor();
    await card.getByTestId('holding-ETH').getByText('2 ETH').waitFor();
    expect(await page.getByTestId('key-in-use').textContent()).toBe(key);
    await card.getByRole('button', { name: /^Verify in this browser/ }).click();
    await page.getByTestId('por-summary').getByText('All 2 of your proofs verify').waitFor();
    for (const [asset, text] of [
      ['BTC', '✓ BTC: 1.5 BTC, counted in the published total of 1.5 BTC'],
      ['ETH', '✓ ETH: 2 ETH, counted in the published total of 2 ETH'],
    ] as const) {
      expect(await result(page, asset).getAttribute('data-valid')).toBe('true');
      expect(await result(page, asset).locator('h4').textContent()).toBe(text);
      await result(page, asset).getByTestId('por-verify-valid').waitFor();
    }
    expect(await page.getByTestId('por-verify-rejected').count()).toBe(0);
    await e2e.shot(page, 'security-reserves');

    // A key the customer got elsewhere replaces the served one: a different key fails every proof.
    const keyField = page.getByLabel('Public key you obtained independently (optional)');
    await keyField.fill('ab'.repeat(32));
    await result(page, 'BTC').getByRole('alert').getByText('PUBLIC_KEY_MISMATCH').waitFor();
    expect(await page.getByText('✓').count()).toBe(0);
    await keyField.fill(key.toUpperCase());
    await page.getByText('It matches the key this server gave the page.').waitFor();
    await page.getByTestId('por-summary').getByText('All 2 of your proofs verify').waitFor();

    // The download: one proof a line, each verifying against the published manifest.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('link', { name: /^Download my proofs/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^custos-proofs-\d{4}-\d{2}-\d{2}T\d{6}Z\.jsonl$/);
    const lines = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    const manifest = await (await page.request.get('/v1/reserves/manifest')).json();
    expect(lines).toHaveLength(2);
    const proofs = lines.map((l) => JSON.parse(l) as { asset: string; user_id: string; value: string });
    expect(proofs.map((p) => [p.asset, p.value]).sort()).toEqual([
      ['BTC', String(3n * (BTC / 2n))],
      ['ETH', String(2n * ETH)],
    ]);
    for (const p of proofs) {
      expect(p.user_id).toBe(userId);
      expect(verifyProof(nodePorCrypto, p, manifest, key).valid).toBe(true);
    }
    // The standalone verifier, to open or to save for offline use.
    expect(await page.getByRole('link', { name: 'Open the standalone verifier' }).getAttribute('href')).toBe(
      '/por/verifier.html',
    );
    expect(
      await page.getByRole('link', { name: 'Download the standalone verifier' }).getAttribute('href'),
    ).toBe('/por/verifier.html?download=1');
    expect(problems).toEqual([]);
    Object.assign(state, { customerPage: page, problems, userId });
  });

  it('a proof altered on its way to the page is rejected with its reason, never shown as ✓', async () => {
    const page = state.customerPage!;
    const changed = { asset: '' };
    // One more unit on the first proof, as a compromised server or proxy might claim.
    await page.route(
      (url) => url.pathname.endsWith('/proofs'),
      async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { proofs: { asset: string; value: string }[] };
        const first = body.proofs[0]!;
        changed.asset = first.asset;
        first.value = (BigInt(first.value) + 1n).toString();
        await route.fulfill({ response, json: body });
      },
    );
    await page.reload();
    await page
      .getByTestId('por-snapshot')
      .getByRole('button', { name: /^Verify in this browser/ })
      .click();
    await page.getByTestId('por-summary').getByText('1 of 2 proofs do not verify').waitFor();
    const bad = result(page, changed.asset);
    expect(await bad.getAttribute('data-valid')).toBe('false');
    expect(await bad.locator('h4').textContent()).toBe(`✗ ${changed.asset}: not verified (ROOT_MISMATCH)`);
    const alert = bad.getByRole('alert');
    await alert.getByText('ROOT_MISMATCH').waitFor();
    expect(await alert.textContent()).toContain('does not lead to the root published in the manifest');
    expect(await bad.getByText('✓').count()).toBe(0);
    expect(await bad.getByTestId('por-verify-valid').count()).toBe(0);
    // The other proof is untouched and still verifies.
    const other = changed.asset === 'BTC' ? 'ETH' : 'BTC';
    expect(await result(page, other).getAttribute('data-valid')).toBe('true');
    await e2e.shot(page, 'security-reserves-tampered');
    await page.unroute((url) => url.pathname.endsWith('/proofs'));
    expect(state.problems).toEqual([]);
  });

  it('the public transparency page shows the latest ratios, flags one below 1, and charts the history', async () => {
    // A second snapshot an hour later, so the chart has a line.
    const staff = await createStaff(e2e, 'admin');
    const admin = await (await e2e.newContext()).newPage();
    // An hour on (past the first snapshot's second), then signed in (a staff session idles out in 30 min).
    e2e.clock.advance(HOUR);
    await signInStaff(e2e, admin, staff);
    const second = await staffRequest(admin, 'POST', '/v1/admin/reserves/snapshots', {});
    expect(second.status()).toBe(200);
    const history = await (await admin.request.get('/v1/reserves/history')).json();
    expect(history.items).toHaveLength(2);

    const page = await (await e2e.newContext()).newPage();
    const problems = watchConsole(page);
    await page.goto('/transparency');
    const latest = page.getByTestId('latest-snapshot');
    await latest.waitFor();
    const btc = latest.getByTestId('latest-BTC');
    expect(await btc.locator('td').allInnerTexts()).toEqual(['BTC', '2 BTC', '1.5 BTC', '1.3333', '1']);
    expect(await btc.locator('[data-short]').getAttribute('data-short')).toBe('false');
    const eth = latest.getByTestId('latest-ETH');
    expect(await eth.locator('td').nth(3).innerText()).toBe('0.5000 below 1: not fully covered');
    expect(await eth.locator('[data-short]').getAttribute('data-short')).toBe('true');
    await latest.getByText('ETH: the published reserves are less than what customers are owed').waitFor();
    expect(await latest.getByTestId('public-key').textContent()).toBe(e2e.deps.porSigner.publicKeyHex);
    expect(await latest.getByTestId('signature-check').textContent()).toContain('Valid under this key');
    expect(await latest.getByRole('link', { name: 'Download the manifest' }).getAttribute('href')).toBe(
      '/v1/reserves/manifest',
    );

    // The chart is drawn (uPlot on a canvas, a line per asset in its legend), the table beside it.
    const chart = page.getByTestId('ratio-chart');
    await chart.locator('canvas').waitFor();
    const drawn = await chart
      .locator('canvas')
      .evaluate((c: HTMLCanvasElement) => c.width > 0 && c.height > 0);
    expect(drawn).toBe(true);
    for (const asset of ['BTC', 'ETH'])
      await chart.locator('.u-legend').getByText(asset, { exact: true }).waitFor();
    const rows = page.getByTestId('history-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().locator('td').allInnerTexts()).toEqual([
      expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/),
      '1.3333',
      '0.5000 below 1: not fully covered',
      '— (nothing owed)',
    ]);
    await e2e.shot(page, 'transparency');
    expect(problems).toEqual([]);
  });
});
