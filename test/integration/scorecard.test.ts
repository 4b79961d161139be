import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../fixtures/harness.js';
import { chainAuditEvents } from '../../src/services/audit/chain-events.js';
import { addWallet } from '../../src/services/reserves/wallet-registry.js';
import { takeSnapshot } from '../../src/services/reserves/snapshots.js';
import { forgetPublicScorecard } from '../../src/services/scorecard/public-scorecard.js';
import { customer, fund } from '../fixtures/withdrawals.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-scorecard-'));
const factsFile = path.join(dir, 'facts.yaml');
fs.writeFileSync(
  factsFile,
  `name: Example Platform
asOf: 2026-11-01
facts:
  custody.hsm: { value: true, source: Key ceremony report 2026, date: 2026-06 }
  insurance.amount_usd: { value: unknown, note: Policy under renewal. }
`,
);
const h = useHarness({ SCORECARD_FACTS_FILE: factsFile });

type Criterion = { id: string; points: number; evidence: 'unknown' | { value: unknown; source: string } };
async function selfCard() {
  forgetPublicScorecard(h.deps);
  const r = await h.app.request('/v1/scorecard');
  expect(r.status).toBe(200);
  const body = await r.json();
  const card = body.entries[0].card;
  const all: Criterion[] = card.pillars.flatMap((p: { criteria: Criterion[] }) => p.criteria);
  const criteria = (id: string): Criterion => {
    const c = all.find((x) => x.id === id);
    if (!c) throw new Error(`no criterion ${id}`);
    return c;
  };
  return { body, card, criteria };
}

describe('the public safety scorecard (SPEC S10 self-assessment)', () => {
  it('anyone can read it: the platform first, from live facts and the operator’s file, then its peers', async () => {
    const { body, card, criteria } = await selfCard();
    expect(body.format).toBe('custos-scorecard/1');
    expect(card.profile).toBe('Example Platform');
    expect(card.asOf).toBe(h.clock.now().toISOString().slice(0, 10));
    expect(body.entries.map((e: { card: { profile: string } }) => e.card.profile).slice(1)).toEqual([
      'Binance',
      'Coinbase',
      'Crypto.com',
      'Kraken',
      'OKX',
    ]);
    expect(body.matrix).toHaveLength(45);
    expect(criteria('custody.hsm')).toMatchObject({
      points: 2,
      evidence: { source: 'Key ceremony report 2026' },
    });
    expect(criteria('app.mandatory_2fa')).toMatchObject({ points: 2, evidence: { value: true } });
    expect(criteria('app.address_whitelist')).toMatchObject({
      points: 1,
      evidence: { value: 'mandatory', source: 'Custos configuration: WHITELIST_ONLY=true' },
    });
    // Nothing published yet: the proof-of-reserves pillar earns nothing for a schedule alone.
    expect(criteria('por.method').evidence).toMatchObject({ value: 'none' });
    expect(criteria('por.frequency')).toMatchObject({ points: 0, evidence: { value: 'never' } });
  });

  it('a published snapshot shows in the proof-of-reserves pillar, with its date and lowest ratio', async () => {
    const u = await customer(h);
    await fund(h, u.userId, 'BTC', 2n * 10n ** 8n);
    await addWallet(h.deps, {
      asset: 'BTC',
      label: 'cold',
      address: 'bc1q-cold',
      source: 'manual',
      balance: 3n * 10n ** 8n,
      actor: 'test',
    });
    const snap = await takeSnapshot(h.deps, { trigger: 'operator', requestedBy: 'test' });
    const { criteria } = await selfCard();
    expect(criteria('por.method')).toMatchObject({ points: 1.5, evidence: { value: 'merkle_tree' } });
    expect(criteria('por.frequency')).toMatchObject({ points: 1.5, evidence: { value: 'continuous' } });
    expect(criteria('por.last_report_date').evidence).toMatchObject({ value: snap.id.slice(0, 10) });
    expect(criteria('por.reserve_ratio_pct')).toMatchObject({ points: 1.5, evidence: { value: 150 } });
    expect(criteria('por.user_verifiable').points).toBe(1);
  });

  it('a tampered audit chain loses the tamper-evident-log point', async () => {
    expect((await selfCard()).criteria('incident.tamper_evident_audit_log').points).toBe(1);
    await chainAuditEvents(h.deps);
    await sql`alter table audit_events disable trigger audit_events_no_update`.execute(h.deps.db);
    try {
      await sql`update audit_events set data = '{"tampered":true}'::jsonb where seq = (select min(seq) from audit_events)`.execute(
        h.deps.db,
      );
    } finally {
      await sql`alter table audit_events enable trigger audit_events_no_update`.execute(h.deps.db);
    }
    const { criteria } = await selfCard();
    expect(criteria('incident.tamper_evident_audit_log')).toMatchObject({
      points: 0,
      evidence: { value: false },
    });
  });

  it('is computed at most once every five minutes: a flood of visitors cannot make it re-read the audit log', async () => {
    forgetPublicScorecard(h.deps);
    const first = await (await h.app.request('/v1/scorecard')).json();
    h.clock.advanceMinutes(4);
    expect((await (await h.app.request('/v1/scorecard')).json()).computedAt).toBe(first.computedAt);
    h.clock.advanceMinutes(2);
    expect((await (await h.app.request('/v1/scorecard')).json()).computedAt).not.toBe(first.computedAt);
  });

  it('the HTML report stands alone: no script may run, nothing may load', async () => {
    const r = await h.app.request('/v1/scorecard/report.html?download=1');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
    );
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="custos-scorecard.html"');
    const html = await r.text();
    expect(html).toContain('Example Platform');
    expect(html).not.toMatch(/<script/i);
  });

  it('a broken operator file answers 503 SCORECARD_UNAVAILABLE, without its contents', async () => {
    fs.writeFileSync(factsFile, 'name: [broken\n');
    forgetPublicScorecard(h.deps);
    const r = await h.app.request('/v1/scorecard');
    expect(r.status).toBe(503);
    const body = await r.json();
    expect(body.error.code).toBe('SCORECARD_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain('broken');
  });
});
