import { describe, expect, it } from 'vitest';
import { personaById } from './personas.js';
import type { Profile } from './profile.js';
import { renderMarkdown } from './render-markdown.js';
import { renderText } from './render-text.js';
import { buildReport, reportJson } from './report.js';

const source = 'https://example.com/security';
const alpha: Profile = {
  name: 'Alpha',
  asOf: '2026-11-21',
  description: 'Spot exchange.',
  facts: {
    'custody.hsm': { value: true, source, date: '2026-01' },
    'custody.cold_storage_share': { value: 'unknown', note: 'Not disclosed.' },
    'por.method': {
      value: 'merkle_tree',
      source: 'Alpha reserves page',
      date: '2026-10-01',
      note: 'Monthly.',
    },
  },
};
const beta: Profile = {
  name: 'Beta',
  asOf: '2026-11-21',
  facts: { 'app.mandatory_2fa': { value: true, source, date: '2026-02-03' } },
};

describe('terminal and Markdown reports', () => {
  it('the terminal table shows the score, grade, pillar scores, evidence, verdicts and gaps', () => {
    const text = renderText(buildReport([alpha]));
    expect(text).toContain('Alpha (as of 2026-11-21)');
    expect(text).toMatch(/Score 6\.3 \/ 100 {3}Grade F/);
    expect(text).toContain(
      '2/2  custody.hsm = yes: Signing keys are protected by hardware security modules.',
    );
    expect(text).toContain(`source: ${source} (2026-01)`);
    expect(text).toContain('custody.cold_storage_share: ? unknown - Not disclosed.');
    expect(text).toContain('Gaps: 43 unknown facts, worth 76 pillar points');
    expect(text).toMatch(/Long-term holder\s+9\.0\s+F/);
    expect(text).not.toContain('\x1b['); // no colour unless asked
    expect(renderText(buildReport([alpha]), { color: true })).toContain('\x1b[1m');
  });

  it('with several profiles: a summary, the control-by-control matrix (? for unknown) and verdicts side by side', () => {
    const text = renderText(buildReport([alpha, beta]));
    expect(text).toMatch(/Alpha\s+2026-11-21\s+6\.3\s+F/);
    expect(text).toMatch(/custody\.hsm\s+2\s+2\s+\?/);
    expect(text).toMatch(/app\.mandatory_2fa\s+2\s+\?\s+2/);
    expect(text).toMatch(/Institution\s+8\.0 F\s+1\.0 F/);
    const md = renderMarkdown(buildReport([alpha, beta]));
    expect(md).toContain('## Control-by-control comparison');
    expect(md).toContain('| `custody.hsm` Signing keys are kept in hardware security modules | 2 | 2 | ? |');
  });

  it('Markdown injection through a profile’s name, source or note is escaped', () => {
    const evil: Profile = {
      name: 'Evil](https://phish.example) <img src=x onerror=alert(1)> | col',
      asOf: '2026-11-21',
      facts: {
        'custody.hsm': {
          value: true,
          source: '[click](javascript:alert(1))',
          date: '2026',
          note: '<script>alert(1)</script>\n# heading',
        },
        'por.auditor': { value: 'Audit | *firm* `x`', source: 'https://example.com/a|b', date: '2026' },
      },
    };
    const md = renderMarkdown(buildReport([evil]));
    // Escaped with a backslash, these are plain text in every Markdown renderer.
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).not.toMatch(/(?<!\\)<script/);
    expect(md).not.toMatch(/(?<!\\)\]\(https:\/\/phish/);
    expect(md).not.toMatch(/(?<!\\)\[click(?<!\\)\]\(/);
    expect(md).toContain('\\[click\\]');
    expect(md).toContain('<https://example.com/a%7Cb>');
    // Every table row keeps its column count: no injected pipe splits a cell.
    for (const line of md
      .split('\n')
      .filter((l) => l.startsWith('| `custody.hsm`') || l.startsWith('| `por.auditor`'))) {
      expect(line.replace(/\\\|/g, '').split('|').length).toBe(6);
    }
    expect(md.split('\n').filter((l) => l.startsWith('# '))).toEqual(['# Exchange safety scorecard']);
  });

  it('JSON carries the format tag, the weights and the persona, and is stable', () => {
    const report = buildReport([alpha], personaById('long_term_holder'));
    const json = JSON.parse(reportJson(report));
    expect(json.format).toBe('custos-scorecard/1');
    expect(json.persona).toMatchObject({ id: 'long_term_holder', name: 'Long-term holder' });
    expect(json.weights.custody).toBe(30);
    expect(json.entries[0].card.score).toBe(9);
    expect(reportJson(buildReport([alpha], personaById('long_term_holder')))).toBe(reportJson(report));
    expect(json.matrix).toBeUndefined();
  });
});
