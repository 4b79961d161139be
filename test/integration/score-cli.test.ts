import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliWith } from '../fixtures/cli.js';

const PROFILES = ['binance', 'coinbase', 'crypto-com', 'kraken', 'okx'].map((n) => `profiles/${n}.yaml`);
const golden = (name: string) => fs.readFileSync(path.join('test', 'golden', 'scorecard', name), 'utf8');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'custos-score-'));

describe('custos score (CLI, SPEC S10)', () => {
  it('compares the five shipped profiles in the terminal, as Markdown, JSON and HTML: exactly the golden files', async () => {
    const dir = tmp();
    const table = await runCli(dir, 'score', ...PROFILES);
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(golden('comparison.txt'));
    for (const [format, ext] of [
      ['markdown', 'md'],
      ['json', 'json'],
      ['html', 'html'],
    ] as const) {
      const r = await runCli(dir, 'score', ...PROFILES, '--format', format);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout === golden(`comparison.${ext}`), `${format} differs from comparison.${ext}`).toBe(true);
    }
  });

  it('writes to a file with --out, and scores with a persona’s weights', async () => {
    const dir = tmp();
    const out = path.join(dir, 'report.html');
    const r = await runCli(dir, 'score', 'profiles/kraken.yaml', '--format', 'html', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote html report of 1 profile to ${out}\n`);
    expect(fs.readFileSync(out, 'utf8')).toBe(golden('kraken.html'));

    const persona = await runCli(
      dir,
      'score',
      'profiles/crypto-com.yaml',
      '--persona',
      'institution',
      '--format',
      'json',
    );
    const report = JSON.parse(persona.stdout);
    expect(report.persona.id).toBe('institution');
    expect(report.weights.regulation).toBe(20);
    const institution = report.entries[0].verdicts.find(
      (v: { persona: string }) => v.persona === 'institution',
    );
    expect(report.entries[0].card.score).toBe(institution.score);
  });

  it('bad YAML or a bad fact gives a located error and exit status 2, and nothing on standard output', async () => {
    const dir = tmp();
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      'name: Bad\nasOf: 2026-11-21\nfacts:\n  custody.hsm: { value: "yes", source: s, date: 2026 }\n  por.metod: unknown\n',
    );
    const r = await runCli(dir, 'score', bad, 'profiles/okx.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${bad}:4:25: facts.custody.hsm.value: must be true or false, got "yes"`);
    expect(r.stderr).toContain(
      `${bad}:5:3: facts.por.metod: no criterion reads this fact (did you mean "por.method"?)`,
    );

    const syntax = path.join(dir, 'syntax.yaml');
    fs.writeFileSync(syntax, 'name: [Bad\n');
    const s = await runCli(dir, 'score', syntax);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(
      new RegExp(`${syntax.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: YAML syntax`),
    );
  });

  it('weights that do not sum to 100 are refused', async () => {
    const dir = tmp();
    const r = await runCli(dir, 'score', 'profiles/okx.yaml', '--weights', 'custody=30');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'INVALID_WEIGHTS: invalid weights: the weights must sum to 100, they sum to 110',
    );
    const ok = await runCli(
      dir,
      'score',
      'profiles/okx.yaml',
      '--weights',
      'custody=30,support=0',
      '--format',
      'json',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).weights).toMatchObject({ custody: 30, support: 0 });
  });

  it('--self scores the platform from live facts, and takes the rest from the operator’s file', async () => {
    if (process.env.TEST_DATABASE_URL) return; // the CLI test uses an embedded database directory
    const dir = tmp();
    const facts = path.join(dir, 'facts.yaml');
    fs.writeFileSync(
      facts,
      `name: Example Platform
asOf: 2026-11-01
facts:
  insurance.amount_usd: { value: 20000000, source: Policy schedule 2026, date: 2026-10-01 }
  support.live_chat_24_7: { value: true, source: https://example.com/support, date: 2026-10 }
`,
    );
    const r = await runCliWith(
      { SCORECARD_FACTS_FILE: facts, WHITELIST_ONLY: 'false' },
      dir,
      'score',
      '--self',
      '--format',
      'json',
    );
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(r.stdout).entries[0].card;
    expect(card.profile).toBe('Example Platform');
    const criteria = Object.fromEntries(
      card.pillars
        .flatMap((p: { criteria: { id: string }[] }) => p.criteria)
        .map((c: { id: string }) => [c.id, c]),
    );
    expect(criteria['insurance.amount_usd']).toMatchObject({
      points: 2,
      evidence: { source: 'Policy schedule 2026' },
    });
    // Live: this platform's own configuration, not a claim.
    expect(criteria['app.address_whitelist']).toMatchObject({
      points: 0,
      evidence: { value: 'none', source: 'Custos configuration: WHITELIST_ONLY=false' },
    });
    expect(criteria['app.new_address_delay_hours'].evidence.value).toBe(24);
    expect(criteria['incident.tamper_evident_audit_log']).toMatchObject({
      points: 1,
      evidence: { value: true },
    });
    expect(criteria['por.method'].evidence.value).toBe('none'); // no snapshot taken yet

    // An operator cannot state what Custos measures.
    fs.appendFileSync(facts, '  app.withdrawal_lock: { value: true, source: us, date: 2026-10-01 }\n');
    const refused = await runCliWith({ SCORECARD_FACTS_FILE: facts }, dir, 'score', '--self');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'app.withdrawal_lock is measured live by Custos; remove it from the operator file',
    );
  });
});
