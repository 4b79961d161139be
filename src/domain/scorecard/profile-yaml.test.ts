import { describe, expect, it } from 'vitest';
import { formatProblem, parseProfileYaml, ProfileFileError, type ProfileProblem } from './profile-yaml.js';

const FILE = 'profiles/example.yaml';

function problemsOf(text: string): ProfileProblem[] {
  try {
    parseProfileYaml(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileFileError);
    return [...(e as ProfileFileError).problems];
  }
  throw new Error('expected the profile to be refused');
}

const HEAD = 'name: Example Exchange\nasOf: 2026-11-21\n';

describe('profile files (YAML)', () => {
  it('reads evidence, unknown facts in both spellings, notes, and dates as precise as the source', () => {
    const p = parseProfileYaml(
      `${HEAD}description: Spot exchange, EU entity.
facts:
  custody.hsm:
    value: true
    source: https://example.com/security
    date: 2026-03
    note: Official help page.
  custody.cold_storage_share: unknown
  insurance.amount_usd: { value: unknown, note: Not disclosed. }
  regulation.licences: { value: [FCA, MAS], source: Annual report 2025, date: 2025 }
  por.last_report_date: { value: 2026-10-31, source: https://example.com/por, date: 2026-11-01 }
`,
      FILE,
    );
    expect(p).toEqual({
      name: 'Example Exchange',
      asOf: '2026-11-21',
      description: 'Spot exchange, EU entity.',
      facts: {
        'custody.hsm': {
          value: true,
          source: 'https://example.com/security',
          date: '2026-03',
          note: 'Official help page.',
        },
        'custody.cold_storage_share': 'unknown',
        'insurance.amount_usd': { value: 'unknown', note: 'Not disclosed.' },
        'regulation.licences': { value: ['FCA', 'MAS'], source: 'Annual report 2025', date: '2025' },
        'por.last_report_date': {
          value: '2026-10-31',
          source: 'https://example.com/por',
          date: '2026-11-01',
        },
      },
    });
  });

  it('bad YAML gives a located error: file, line and column', () => {
    const [p] = problemsOf(`${HEAD}facts:\n  custody.hsm: [true\n`);
    expect(p!.file).toBe(FILE);
    expect(p!.line).toBeGreaterThanOrEqual(4);
    expect(p!.message).toMatch(/^YAML syntax: /);
    expect(formatProblem(p!)).toMatch(/^profiles\/example\.yaml:\d+:\d+: YAML syntax: /);
  });

  it('a duplicate fact key is an error, not a silent override', () => {
    const [p] = problemsOf(
      `${HEAD}facts:\n  custody.hsm: unknown\n  custody.hsm: { value: true, source: s, date: 2026 }\n`,
    );
    expect(p).toMatchObject({ line: 5, column: 3 });
    expect(p!.message).toMatch(/unique/);
  });

  it('a value of the wrong kind is located at the value and names the field', () => {
    const problems = problemsOf(
      `${HEAD}facts:\n  custody.hsm:\n    value: "yes"\n    source: https://example.com\n    date: 2026-01-02\n`,
    );
    expect(problems).toEqual([
      {
        file: FILE,
        line: 5,
        column: 12,
        field: 'facts.custody.hsm.value',
        message: 'must be true or false, got "yes"',
      },
    ]);
  });

  it('a misspelt fact key is an error that suggests the right one, never a silent gap', () => {
    const [p] = problemsOf(`${HEAD}facts:\n  custody.hsms: unknown\n`);
    expect(p).toMatchObject({ line: 4, column: 3, field: 'facts.custody.hsms' });
    expect(p!.message).toBe('no criterion reads this fact (did you mean "custody.hsm"?)');
  });

  it('evidence needs a source and a real date; an unknown fact has neither', () => {
    const problems = problemsOf(`${HEAD}facts:
  custody.hsm: { value: true, date: 2026-02-30 }
  custody.multisig_or_mpc: { value: true, source: " ", date: 2026 }
  por.auditor: { value: unknown, source: https://example.com }
  insurance.amount_usd: { value: 5, source: s, date: "15/01/2026" }
`);
    expect(problems.map((p) => [p.line, p.field, p.message.split(':')[0]])).toEqual([
      [4, 'facts.custody.hsm', 'source is required'],
      [4, 'facts.custody.hsm.date', 'invalid date "2026-02-30"'],
      [5, 'facts.custody.multisig_or_mpc.source', 'source is required'],
      [6, 'facts.por.auditor.source', 'an unknown fact has no source or date'],
      [7, 'facts.insurance.amount_usd.date', 'invalid date "15/01/2026"'],
    ]);
  });

  it('reports every problem of the file at once, in file order', () => {
    const problems = problemsOf(`name: ""
asOf: 2026-13-01
owner: someone
facts:
  custody.hsm: true
  custody.hsm_typo: unknown
  por.method: { value: merkle, source: s, date: 2026, extra: 1 }
`);
    expect(problems.map((p) => `${p.line}:${p.field}`)).toEqual([
      '1:name',
      '2:asOf',
      '3:owner',
      '5:facts.custody.hsm',
      '6:facts.custody.hsm_typo',
      '7:facts.por.method.value',
      '7:facts.por.method.extra',
    ]);
    expect(problems.find((p) => p.field === 'facts.por.method.value')!.message).toMatch(
      /must be one of zk_proof, merkle_tree, attestation, wallet_disclosure, none/,
    );
  });

  it('a document that is not a mapping, or has no facts, is refused with its location', () => {
    expect(problemsOf('- just\n- a list\n')[0]).toMatchObject({ line: 1, field: '' });
    expect(problemsOf(HEAD)[0]).toMatchObject({
      field: 'facts',
      message: expect.stringMatching(/^required/),
    });
    expect(problemsOf(`${HEAD}facts: [1]\n`)[0]).toMatchObject({ line: 3, field: 'facts' });
  });

  it('the error message lists each problem as file:line:column: field: message', () => {
    try {
      parseProfileYaml(`${HEAD}facts:\n  app.mandatory_2fa: { value: 1, source: s, date: 2026 }\n`, FILE);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe(
        `1 problem in ${FILE}:\n  ${FILE}:4:31: facts.app.mandatory_2fa.value: must be true or false, got 1`,
      );
      expect((e as ProfileFileError).code).toBe('INVALID_PROFILE');
    }
  });
});
