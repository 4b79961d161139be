import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FactValue } from './criterion.js';
import { PERSONAS } from './personas.js';
import type { Fact, Profile } from './profile.js';
import { HTML_CSP, renderHtml, safeHref } from './render-html.js';
import { buildReport } from './report.js';
import { ALL_CRITERIA } from './rubric.js';

const SOURCE = 'https://example.com/disclosures/security';
const ev = (value: FactValue, extra: { source?: string; note?: string } = {}): Fact => ({
  value,
  source: extra.source ?? SOURCE,
  date: '2026-01-15',
  ...(extra.note === undefined ? {} : { note: extra.note }),
});

/** Strong on custody and account controls, silent on insurance and support. */
const alpha: Profile = {
  name: 'Alpha Exchange',
  description: 'Alpha Exchange Ltd, EU retail platform',
  asOf: '2026-02-01',
  facts: {
    'custody.cold_storage_share': ev(96, { note: 'From the 2025 annual report.' }),
    'custody.multisig_or_mpc': ev(true),
    'custody.hsm': ev(true),
    'custody.third_party_custodian': ev(false, { source: 'Alpha terms of service, section 9' }),
    'custody.segregated_accounts': { value: 'unknown', note: 'Only stated on unofficial mirror sites.' },
    'por.method': ev('merkle_tree'),
    'por.last_report_date': ev('2026-01-10'),
    'regulation.licences': ev(['MFSA', 'FCA']),
    'app.mandatory_2fa': ev(true),
    'app.address_whitelist': ev('mandatory'),
    'app.new_address_delay_hours': ev(24),
    'incident.major_incidents_5y': ev(0),
    'insurance.amount_usd': 'unknown',
  },
};

/** Middling, with a few weaknesses. */
const beta: Profile = {
  name: 'Beta Markets',
  asOf: '2026-02-01',
  facts: {
    'custody.cold_storage_share': ev(60),
    'custody.hsm': ev(false),
    'por.method': ev('wallet_disclosure'),
    'por.auditor': ev(false),
    'app.mandatory_2fa': ev(false),
    'support.live_chat_24_7': ev(true),
  },
};

const report1 = () => buildReport([alpha]);
const report2 = () => buildReport([alpha, beta]);

/** Every tag name and attribute name in a document (profile text is escaped, so only ours appear). */
function markup(html: string): { tags: Set<string>; attributes: Set<string> } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    tags.add(m[1]!.toLowerCase());
    for (const a of m[2]!.matchAll(/\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?==)/g))
      attributes.add(a[1]!.toLowerCase());
  }
  return { tags, attributes };
}

/** The `<tr>` of the comparison matrix for one criterion. */
function matrixRow(html: string, criterion: string): string {
  const matrix = html.slice(
    html.indexOf('<table class="matrix">'),
    html.indexOf('</table>', html.indexOf('<table class="matrix">')),
  );
  const row = matrix.split('<tr').find((r) => r.includes(`<code>${criterion}</code>`));
  if (!row) throw new Error(`no matrix row for ${criterion}`);
  return row;
}

/** The `<tr>` of a profile's criteria table for one criterion (the first profile's, with several). */
function criterionRow(html: string, criterion: string): string {
  const row = html
    .split('<tr')
    .find((r) => r.includes(`<code>${criterion}</code>`) && r.includes('data-label="Points"'));
  if (!row) throw new Error(`no criteria row for ${criterion}`);
  return row;
}

describe('the HTML report (renderHtml)', () => {
  it('is deterministic: the same report renders to the same bytes, with no date unless given', () => {
    const first = renderHtml(report2());
    expect(renderHtml(report2())).toBe(first);
    expect(renderHtml(structuredClone(report2()))).toBe(first);
    expect(first).not.toContain('Generated');
    const dated = renderHtml(report2(), { generatedAt: '2026-02-01T10:00:00Z' });
    expect(dated).toContain('Generated 2026-02-01T10:00:00Z');
    expect(renderHtml(report2(), { generatedAt: '2026-02-01T10:00:00Z' })).toBe(dated);
  });

  it('is a complete HTML5 document titled as asked, "Exchange safety scorecard" by default', () => {
    const html = renderHtml(report1());
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>Exchange safety scorecard</title>');
    expect(html).toContain('<h1>Exchange safety scorecard</h1>');
    const titled = renderHtml(report1(), { title: 'Q1 review <draft>' });
    expect(titled).toContain('<title>Q1 review &lt;draft&gt;</title>');
    expect(titled).toContain('<h1>Q1 review &lt;draft&gt;</h1>');
  });

  it('HTML injection through a profile’s name, description, value, source or note is escaped', () => {
    const evil: Profile = {
      name: `<script>alert(1)</script> "quoted" & 'single'`,
      description: '"><img src=x onerror=alert(1)>',
      asOf: '2026-02-01',
      facts: {
        'custody.hsm': ev(true, { source: 'javascript:alert(1)', note: '<script>alert(2)</script>' }),
        'custody.multisig_or_mpc': ev(true, { source: 'JaVaScRiPt:alert(3)' }),
        'custody.third_party_custodian': ev(true, { source: 'data:text/html,<script>alert(4)</script>' }),
        'por.auditor': ev('<b onmouseover="alert(5)">Audit</b>'),
        'insurance.underwriter': {
          value: 'unknown',
          note: '</td></tr></table><iframe src="https://evil.test">',
        },
      },
    };
    for (const html of [renderHtml(buildReport([evil])), renderHtml(buildReport([evil, alpha]))]) {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      expect(html).not.toMatch(/<iframe/i);
      expect(html).not.toMatch(/<b[\s>]/i);
      expect(html).not.toMatch(/href\s*=\s*["']?\s*(javascript|data:text)/i);
      // Only the renderer's own elements and attributes: nothing a profile wrote became markup.
      const { tags, attributes } = markup(html);
      expect([...tags].filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
      expect([...attributes].filter((a) => a.startsWith('on') || a === 'src')).toEqual([]);
      // The text itself is all there, escaped.
      expect(html).toContain(
        '&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39;',
      );
      expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
      expect(html).toContain('&lt;b onmouseover=&quot;alert(5)&quot;&gt;Audit&lt;/b&gt;');
      expect(html).toContain(
        '&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;iframe src=&quot;https://evil.test&quot;&gt;',
      );
      // A javascript: source is shown as text, not as a link.
      expect(criterionRow(html, 'custody.hsm')).toContain('<dd>javascript:alert(1)</dd>');
      expect(criterionRow(html, 'custody.hsm')).not.toContain('<a ');
    }
  });

  it('a source that is an http(s) URL becomes a safe link; anything else stays text', () => {
    const html = renderHtml(report1());
    expect(criterionRow(html, 'custody.hsm')).toContain(
      `<a href="${SOURCE}" rel="noopener noreferrer">${SOURCE}</a>`,
    );
    const row = criterionRow(html, 'custody.third_party_custodian');
    expect(row).toContain('<dd>Alpha terms of service, section 9</dd>');
    expect(row).not.toContain('<a ');
    // Every link in the page is either an in-page anchor or an evidence link with rel=noopener.
    for (const m of html.matchAll(/<a\s[^>]*>/g)) {
      expect(m[0]).toMatch(/^<a href="(#p?\d*[a-z-]*"|https?:\/\/[^"]+" rel="noopener noreferrer")>$/);
    }
    expect(safeHref('https://example.com/ä?b=1&c=2')).toBe('https://example.com/%C3%A4?b=1&c=2');
    expect(safeHref('  http://example.com  ')).toBe('http://example.com/');
    for (const bad of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      'ftp://example.com/file',
      '//example.com/x',
      'https://exa mple.com',
      'https://user:pass@example.com/',
      'Annual report 2025',
      'https://',
      'https://example.com/"onmouseover="x',
    ]) {
      expect(safeHref(bad), bad).toBeUndefined();
    }
    // The href is escaped as an attribute.
    const amp = renderHtml(
      buildReport([{ ...alpha, facts: { 'custody.hsm': ev(true, { source: 'https://x.test/?a=1&b=2' }) } }]),
    );
    expect(amp).toContain(
      '<a href="https://x.test/?a=1&amp;b=2" rel="noopener noreferrer">https://x.test/?a=1&amp;b=2</a>',
    );
  });

  it('loads nothing from outside: no script, no stylesheet link, no src, only evidence links point off the page', () => {
    const html = renderHtml(buildReport([alpha, beta], PERSONAS[1]));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed|video|audio|source|base|form)\b/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    for (const href of hrefs) {
      if (href.startsWith('#') || href === 'data:,') continue;
      expect(href).toBe(SOURCE); // the only http(s) URL in the profiles
    }
    expect(hrefs).toContain(SOURCE);
    // Outside evidence links, no http(s) URL appears in markup at all.
    const outsideLinks = html.replace(/<a href="https?:\/\/[^"]*" rel="noopener noreferrer">[^<]*<\/a>/g, '');
    expect(outsideLinks).not.toMatch(/https?:\/\//);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`);
    expect(HTML_CSP.startsWith("default-src 'none'; style-src 'unsafe-inline'; img-src data:")).toBe(true);
    expect(HTML_CSP).not.toContain('script-src');
  });

  it('shows each profile’s name, description, as-of date, score with one decimal and grade', () => {
    const report = report2();
    const html = renderHtml(report);
    for (const entry of report.entries) {
      const { card } = entry;
      expect(html).toContain(`${card.profile}</h2>`);
      expect(html).toContain(`<span class="big">${card.score.toFixed(1)}</span>`);
      expect(html).toContain(`<span class="letter">${card.grade}</span>`);
      expect(html).toContain(`<time datetime="${card.asOf}">${card.asOf}</time>`);
    }
    expect(html).toContain('<p class="desc">Alpha Exchange Ltd, EU retail platform</p>');
    // An empty profile: 0.0, grade F, and every fact a gap.
    const empty = renderHtml(buildReport([{ name: 'Nothing known', asOf: '2026-02-01', facts: {} }]));
    expect(empty).toContain('<span class="big">0.0</span>');
    expect(empty).toContain('<span class="letter">F</span>');
    expect(empty).toContain(`Gaps: ${ALL_CRITERIA.length} unknown facts, 80 points left on the table`);
  });

  it('lists every criterion of the rubric for a single profile, with points, reason and evidence', () => {
    const report = report1();
    const html = renderHtml(report);
    const escTitle = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
    for (const c of ALL_CRITERIA) {
      const row = criterionRow(html, c.id);
      expect(row, c.id).toContain(escTitle(c.title));
    }
    expect(html.match(/data-label="Points"/g)).toHaveLength(ALL_CRITERIA.length);
    const cold = criterionRow(html, 'custody.cold_storage_share');
    expect(cold).toContain('3 / 3');
    expect(cold).toContain('At least 95% of customer assets are disclosed as held offline.');
    expect(cold).toContain('<dd class="v">96</dd>');
    expect(cold).toContain('<dd>2026-01-15</dd>');
    expect(cold).toContain('<dd>From the 2025 annual report.</dd>');
    expect(criterionRow(html, 'regulation.licences')).toContain('<dd class="v">MFSA, FCA</dd>');
    // Pillar headings with score and weight.
    for (const p of report.entries[0]!.card.pillars) {
      expect(html).toContain(`${p.name.replace(/&/g, '&amp;')} <span class="sub">`);
    }
  });

  it('an unknown fact reads "?" and "unknown" (never 0 in the matrix), with its note, and is listed as a gap', () => {
    const html = renderHtml(report2());
    // In the matrix: Alpha's HSM is known (2 / 2), Beta's is known but worth 0; segregation is
    // unknown for both, insurance amount unknown for Alpha.
    const hsm = matrixRow(html, 'custody.hsm');
    expect(hsm).toContain('<span class="pts">2 / 2</span>');
    expect(hsm).toContain('<span class="pts">0 / 2</span>');
    const seg = matrixRow(html, 'custody.segregated_accounts');
    expect(seg.match(/<td class="cell unk">/g)).toHaveLength(2);
    expect(seg).toContain('<span class="q" aria-hidden="true">?</span> <span class="ut">unknown</span>');
    expect(seg).not.toMatch(/class="pts">0/);
    // In the profile: "? unknown" and why.
    const row = criterionRow(html, 'custody.segregated_accounts');
    expect(row).toContain('?</span> unknown</span>');
    expect(row).toContain('Only stated on unofficial mirror sites.');
    // Gaps: every unknown fact, with its points and note.
    const card = report2().entries[0]!.card;
    const gaps = html.slice(
      html.indexOf('id="p1-gaps"'),
      html.indexOf('</ul>', html.indexOf('id="p1-gaps"')),
    );
    expect(gaps.match(/<li>/g)).toHaveLength(card.unknowns.length);
    const segGap = gaps.split('<li>').find((li) => li.includes('<code>custody.segregated_accounts</code>'))!;
    expect(segGap).toContain('<strong>2 points</strong> unknown');
    expect(segGap).toContain('Customer assets are segregated from the platform’s own');
    expect(segGap).toContain('<span class="unote">Only stated on unofficial mirror sites.</span>');
    expect(gaps).toContain('<code>insurance.amount_usd</code>');
  });

  it('the comparison charts and the control-by-control matrix appear only with two profiles or more', () => {
    const one = renderHtml(report1());
    expect(one).not.toContain('id="comparison"');
    expect(one).not.toContain('class="matrix"');
    expect(one.match(/<svg /g)).toHaveLength(1); // the profile's own pillar chart

    const report = report2();
    const two = renderHtml(report);
    expect(two).toContain('<h2 id="comparison-h">Comparison</h2>');
    expect(two.match(/<svg /g)).toHaveLength(2 + 2); // total + pillars, then one per profile
    expect(two).toContain('<ul class="legend" aria-label="Profiles in the charts">');
    const matrix = two.slice(
      two.indexOf('<table class="matrix">'),
      two.indexOf('</table>', two.indexOf('<table class="matrix">')),
    );
    expect(matrix.match(/<th scope="col" class="profile-col">/g)).toHaveLength(2);
    expect(matrix.match(/<th scope="rowgroup"/g)).toHaveLength(8 + 1); // the pillars, then the totals
    for (const c of ALL_CRITERIA) expect(matrix).toContain(`<code>${c.id}</code>`);
    expect(two).toMatch(
      /<div class="scroll matrix-scroll" role="region" aria-labelledby="matrix-caption" tabindex="0">\n<table class="matrix">/,
    );
    // The total chart states every score and grade in its accessible name.
    const total = two.match(/<svg [^>]*aria-label="(Total score[^"]*)"/)![1]!;
    for (const e of report.entries)
      expect(total).toContain(`${e.card.profile}: ${e.card.score.toFixed(1)}, grade ${e.card.grade}`);
  });

  it('names the persona, its rationale and its weights when the report is weighted for one', () => {
    const persona = PERSONAS.find((p) => p.id === 'long_term_holder')!;
    const html = renderHtml(buildReport([alpha], persona));
    expect(html).toContain(`Weighted for the persona “${persona.name}”.`);
    expect(html).toContain(persona.rationale);
    expect(html).toContain(`Weights (persona: ${persona.name})`);
    expect(html).toContain('<li><span>Custody &amp; Storage</span> <strong>30</strong></li>');
    expect(html).toContain(
      '<tr class="current"><th scope="row">Long-term holder <span class="tag">weights used above</span>',
    );
    const plain = renderHtml(report1());
    expect(plain).toContain('Weights (default)');
    expect(plain).toContain('<li><span>Custody &amp; Storage</span> <strong>20</strong></li>');
    expect(plain).not.toContain('Weighted for the persona');
    expect(plain).toContain('Unknown facts earn no points');
  });

  it('shows every persona verdict with score, grade and concerns by pillar name', () => {
    const report = report1();
    const html = renderHtml(report);
    const table = html.slice(
      html.indexOf('<table class="verdicts">'),
      html.indexOf('</table>', html.indexOf('<table class="verdicts">')),
    );
    for (const v of report.entries[0]!.verdicts) {
      expect(table).toContain(
        `<th scope="row">${v.name}</th><td class="num">${v.score.toFixed(1)}</td><td><span class="badge grade-${v.grade.toLowerCase()}">${v.grade}</span></td>`,
      );
    }
    const concerned = report.entries[0]!.verdicts.find((v) => v.concerns.length > 0)!;
    expect(concerned).toBeDefined();
    expect(table).toContain('Insurance');
  });

  it('is accessible: charts are images that state their numbers, tables have captions and scoped headers', () => {
    const html = renderHtml(report2());
    const svgs = [...html.matchAll(/<svg ([^>]*)>\n<title>([^<]*)<\/title>/g)];
    expect(svgs).toHaveLength(html.match(/<svg /g)!.length);
    for (const [, attrs, title] of svgs) {
      expect(attrs).toContain('role="img"');
      const label = attrs!.match(/aria-label="([^"]*)"/)![1];
      expect(label).toBe(title);
      expect(label).toMatch(/\d/);
    }
    const profileChart = svgs.find((s) => s[2]!.startsWith('Pillar scores of Alpha Exchange'))![2]!;
    const custody = report2().entries[0]!.card.pillars[0]!;
    expect(profileChart).toContain(`Custody &amp; Storage ${custody.score} (weight 20, 2 points unknown)`);
    const tables = html.match(/<table[\s>][\s\S]*?<\/table>/g)!;
    expect(tables.length).toBeGreaterThan(8);
    for (const t of tables) {
      expect(t).toMatch(/^<table[^>]*>\n<caption/);
      expect(t).not.toMatch(/<th(?![^>]*scope=)[\s>]/);
    }
    // Colour is never the only signal: grades always show their letter, unknown its word.
    for (const m of html.matchAll(/class="badge grade-([a-f])">([A-F])</g))
      expect(m[2]!.toLowerCase()).toBe(m[1]);
    // Phone width and print.
    expect(html).toContain('@media (max-width:40rem)');
    expect(html).toContain('@media print');
    expect(html).toMatch(/\.scroll\{overflow-x:auto/);
  });

  it('stays pure: no Node module, clock or I/O in the renderer', () => {
    const source = fs.readFileSync(new URL('./render-html.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from '(node:|fs|path|os)/);
    expect(source).not.toMatch(/new Date|Date\.now|process\.|Math\.random|fetch\(/);
  });
});

/** The elements the renderer writes; anything else in a report came from a profile. */
const ALLOWED_TAGS = new Set([
  'html',
  'head',
  'meta',
  'link',
  'title',
  'style',
  'body',
  'main',
  'header',
  'nav',
  'section',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'p',
  'ul',
  'li',
  'a',
  'span',
  'strong',
  'code',
  'div',
  'dl',
  'dt',
  'dd',
  'br',
  'time',
  'figure',
  'figcaption',
  'table',
  'caption',
  'colgroup',
  'col',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'svg',
  'rect',
  'line',
  'text',
]);
