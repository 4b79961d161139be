import { PILLARS, PILLAR_IDS } from './methodology.js';
import type { PersonaVerdict } from './personas.js';
import {
  GRADE_BANDS,
  type CriterionResult,
  type Evidence,
  type Grade,
  type PillarResult,
} from './profile.js';
import {
  pillarName,
  showPoints,
  showValue,
  type MatrixCell,
  type ReportEntry,
  type ScoreReport,
} from './report.js';
import { ALL_CRITERIA } from './rubric.js';

/**
 * The standalone HTML rendering of a score report (`--format html`): one self-contained page that
 * can be mailed, archived or opened from disk. Everything is inline (CSS, and charts as SVG drawn
 * here), so the page makes no request at all and runs no script; its Content-Security-Policy says
 * so too, so a browser enforces it even if an escaping bug slipped through.
 *
 * Every string that comes from a profile (names, descriptions, values, sources, notes) is
 * HTML-escaped, and a source becomes a link only when it is an http(s) URL. Pure and
 * deterministic: the same report and options always give the same bytes (no clock is read; a
 * date appears only when `generatedAt` is given).
 */

export interface HtmlOptions {
  /** The page title and heading; "Exchange safety scorecard" by default. */
  readonly title?: string;
  /** Shown as given (e.g. an ISO timestamp the caller chose); nothing is shown when absent. */
  readonly generatedAt?: string;
}

export const DEFAULT_HTML_TITLE = 'Exchange safety scorecard';

/** The page's policy: nothing may load, only the inline styles apply, and there is no script. */
export const HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderHtml(report: ScoreReport, options: HtmlOptions = {}): string {
  const title = options.title ?? DEFAULT_HTML_TITLE;
  const several = report.entries.length >= 2;
  const body: string[] = [renderHeader(report, title, options.generatedAt)];
  if (several) {
    body.push(
      '<nav class="toc" aria-label="Contents"><ul>',
      '<li><a href="#comparison">Comparison</a></li>',
      ...report.entries.map((e, i) => `<li><a href="#${profileId(i)}">${esc(e.card.profile)}</a></li>`),
      '</ul></nav>',
      renderComparison(report),
    );
  }
  report.entries.forEach((entry, i) => body.push(renderEntry(entry, i, several, report)));
  body.push(
    '<footer><p>Scored with the Custos safety scorecard: each pillar 0–10 from a written rubric, ' +
      'weighted into a score out of 100. Unknown facts earn no points.' +
      (options.generatedAt === undefined ? '' : ` Generated ${esc(options.generatedAt)}.`) +
      '</p></footer>',
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="color-scheme" content="light">',
    // An empty icon, so a browser does not ask the server (or the disk) for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Escaping and small helpers

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values (also inside SVG). */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/**
 * The href for an evidence source, or undefined when the source is not a plain http(s) URL
 * (a document title, or anything else such as `javascript:`), which is then shown as text.
 */
export function safeHref(source: string): string | undefined {
  const s = source.trim();
  if (!/^https?:\/\/[^\s<>"'`]+$/i.test(s)) return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}

const CRITERIA = new Map(ALL_CRITERIA.map((c) => [c.id, c]));
const criterionTitle = (id: string): string => CRITERIA.get(id)?.title ?? id;

const profileId = (i: number): string => `p${i + 1}`;

/** A coordinate or length for SVG: at most two decimals, no trailing zeros. */
const n = (x: number): string => String(Math.round(x * 100) / 100);

/** At most `max` characters (code points), with an ellipsis when cut: SVG text does not wrap. */
function clip(s: string, max: number): string {
  const chars = Array.from(s.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

const points = (x: number): string => `${showPoints(x)} ${x === 1 ? 'point' : 'points'}`;

/** Points left on the table by the unknown facts of a pillar. */
const unknownPoints = (p: PillarResult): number =>
  p.criteria.filter((c) => c.evidence === 'unknown').reduce((s, c) => s + c.maxPoints, 0);

/** Colours of the profiles in comparison charts (each at least 4.5:1 on white); numbers label them too. */
const PALETTE = ['#0b61a4', '#c2410c', '#047857', '#7c3aed', '#a21caf', '#0e7490', '#8a6400', '#4b5563'];
const colour = (i: number): string => PALETTE[i % PALETTE.length]!;

function gradeBadge(grade: Grade, large = false): string {
  if (large) {
    return `<p class="grade grade-${grade.toLowerCase()}"><span class="gl">Grade</span> <span class="letter">${grade}</span></p>`;
  }
  return `<span class="badge grade-${grade.toLowerCase()}">${grade}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Header

function renderHeader(report: ScoreReport, title: string, generatedAt: string | undefined): string {
  const out = ['<header class="top">', `<h1>${esc(title)}</h1>`];
  const count = report.entries.length;
  out.push(
    `<p class="lede">${count === 1 ? 'One profile' : `${count} profiles`} scored against ${ALL_CRITERIA.length} ` +
      `criteria in ${PILLARS.length} pillars. Each pillar scores 0–10; the weights below combine them into a score out of 100.</p>`,
  );
  if (report.persona) {
    out.push(
      `<p class="persona"><strong>Weighted for the persona “${esc(report.persona.name)}”.</strong> ${esc(report.persona.rationale)}</p>`,
    );
  }
  const label = report.persona ? `Weights (persona: ${esc(report.persona.name)})` : 'Weights (default)';
  out.push(
    `<div class="weights"><h2 class="mini" id="weights-h">${label}</h2><ul aria-labelledby="weights-h">`,
    ...PILLAR_IDS.map(
      (id) => `<li><span>${esc(pillarName(id))}</span> <strong>${report.weights[id]}</strong></li>`,
    ),
    '</ul></div>',
  );
  out.push(
    '<p class="rule"><span class="q" aria-hidden="true">?</span> <strong>Unknown facts earn no points:</strong> ' +
      'a profile scores only what it can show, and every unknown fact is listed as a gap.</p>',
    `<p class="bands">Grades: ${GRADE_BANDS.map((b, i) =>
      i === GRADE_BANDS.length - 1
        ? `${gradeBadge(b.grade)} below ${GRADE_BANDS[i - 1]!.min}`
        : `${gradeBadge(b.grade)} ${b.min}+`,
    ).join(' · ')}</p>`,
  );
  if (generatedAt !== undefined) out.push(`<p class="generated">Generated ${esc(generatedAt)}</p>`);
  out.push('</header>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Comparison (two profiles or more)

function renderComparison(report: ScoreReport): string {
  const { entries } = report;
  const out = [
    '<section id="comparison" aria-labelledby="comparison-h">',
    '<h2 id="comparison-h">Comparison</h2>',
    '<ul class="legend" aria-label="Profiles in the charts">',
    ...entries.map(
      (e, i) =>
        `<li><span class="sw" style="background:${colour(i)}" aria-hidden="true"></span><span class="key">${i + 1}</span> ${esc(e.card.profile)}</li>`,
    ),
    '</ul>',
    '<div class="charts">',
    `<figure class="chart">${totalChart(entries)}<figcaption>Total score out of 100, with the grade.</figcaption></figure>`,
    `<figure class="chart">${pillarComparisonChart(entries)}<figcaption>Pillar scores out of 10; each bar is numbered as in the legend.</figcaption></figure>`,
    '</div>',
  ];
  if (report.matrix) out.push(renderMatrix(report));
  out.push('</section>');
  return out.join('\n');
}

function renderMatrix(report: ScoreReport): string {
  const matrix = report.matrix!;
  const names = report.entries.map((e) => e.card.profile);
  const out = [
    '<h3 id="matrix-h">Control by control</h3>',
    '<p class="note">Each cell shows the points earned of the maximum, then the value found. ' +
      '<span class="q" aria-hidden="true">?</span> unknown means no evidence was found, so no points: it is not a zero.</p>',
    '<div class="scroll matrix-scroll" role="region" aria-labelledby="matrix-caption" tabindex="0">',
    '<table class="matrix">',
    `<caption id="matrix-caption" class="sr">Control-by-control comparison of ${names.length} profiles: points earned of the maximum, and the value found</caption>`,
    '<thead><tr><th scope="col">Criterion</th><th scope="col" class="num">Max</th>',
    ...names.map(
      (name, i) => `<th scope="col" class="profile-col"><span class="key">${i + 1}</span> ${esc(name)}</th>`,
    ),
    '</tr></thead>',
  ];
  for (const id of PILLAR_IDS) {
    const rows = matrix.filter((r) => r.pillar === id);
    if (rows.length === 0) continue;
    out.push(
      '<tbody>',
      `<tr class="group"><th scope="rowgroup" colspan="${names.length + 2}">${esc(pillarName(id))}</th></tr>`,
    );
    for (const row of rows) {
      out.push(
        `<tr><th scope="row"><div class="crit">${esc(row.title)} <code>${esc(row.criterion)}</code></div></th>` +
          `<td class="num">${showPoints(row.maxPoints)}</td>` +
          row.cells.map((cell) => matrixCell(cell, row.maxPoints)).join('') +
          '</tr>',
      );
    }
    out.push('</tbody>');
  }
  out.push(
    '<tfoot>',
    `<tr class="group"><th scope="rowgroup" colspan="${names.length + 2}">Pillar scores and total</th></tr>`,
    ...PILLAR_IDS.map(
      (id) =>
        `<tr><th scope="row">${esc(pillarName(id))}</th><td class="num">10</td>` +
        report.entries
          .map(
            (e) => `<td class="num">${showPoints(e.card.pillars.find((p) => p.pillar === id)!.score)}</td>`,
          )
          .join('') +
        '</tr>',
    ),
    '<tr class="total"><th scope="row">Score and grade</th><td class="num">100</td>' +
      report.entries
        .map((e) => `<td class="num">${e.card.score.toFixed(1)} ${gradeBadge(e.card.grade)}</td>`)
        .join('') +
      '</tr>',
    '</tfoot>',
    '</table>',
    '</div>',
  );
  return out.join('\n');
}

function matrixCell(cell: MatrixCell, max: number): string {
  if (!cell.known) {
    return '<td class="cell unk"><div class="c"><span class="q" aria-hidden="true">?</span> <span class="ut">unknown</span></div></td>';
  }
  const level = cell.points >= max ? 'full' : cell.points > 0 ? 'part' : 'none';
  const value = cell.value === undefined ? '' : `<span class="val">${esc(showValue(cell.value))}</span>`;
  return `<td class="cell ${level}"><div class="c"><span class="pts">${showPoints(cell.points)} / ${showPoints(max)}</span>${value}</div></td>`;
}

// ---------------------------------------------------------------------------------------------
// One profile

function renderEntry(entry: ReportEntry, index: number, several: boolean, report: ScoreReport): string {
  const { card } = entry;
  const id = profileId(index);
  const total = card.pillars.reduce((s, p) => s + p.criteria.length, 0);
  const left = card.unknowns.reduce((s, g) => s + g.points, 0);
  const key = several ? `<span class="key">${index + 1}</span> ` : '';
  const out = [
    `<section class="profile" id="${id}" aria-labelledby="${id}-h">`,
    `<h2 id="${id}-h">${key}${esc(card.profile)}</h2>`,
  ];
  if (entry.description) out.push(`<p class="desc">${esc(entry.description)}</p>`);
  out.push(
    '<div class="headline">',
    `<p class="score"><span class="sl">Score</span> <span class="big">${card.score.toFixed(1)}</span> <span class="of">/ 100</span></p>`,
    gradeBadge(card.grade, true),
    `<p class="meta">As of <time datetime="${esc(card.asOf)}">${esc(card.asOf)}</time><br>` +
      `${total - card.unknowns.length} of ${total} facts known; ` +
      (card.unknowns.length === 0
        ? 'none unknown.'
        : `${plural(card.unknowns.length, 'unknown fact leaves', 'unknown facts leave')} ${points(left)} on the table.`) +
      '</p>',
    '</div>',
    `<figure class="chart">${profileChart(card.profile, card.pillars)}<figcaption>Pillar scores out of 10, with each pillar’s weight.` +
      (left > 0 ? ' Dashed: points for unknown facts, which earn nothing.' : '') +
      '</figcaption></figure>',
    renderVerdicts(entry.verdicts, card.profile, report.persona?.id),
    `<h3 id="${id}-criteria">Criteria by pillar</h3>`,
  );
  for (const p of card.pillars) out.push(renderPillar(p, id));
  out.push(renderGaps(entry, id), '</section>');
  return out.join('\n');
}

function renderVerdicts(
  verdicts: readonly PersonaVerdict[],
  profile: string,
  current: string | undefined,
): string {
  return [
    '<h3>Persona verdicts</h3>',
    '<table class="verdicts">',
    `<caption>${esc(profile)} scored with each persona’s weights; “look at” names heavy pillars scoring under 5 of 10</caption>`,
    '<colgroup><col class="w-persona"><col class="w-score"><col class="w-grade"><col></colgroup>',
    '<thead><tr><th scope="col">Persona</th><th scope="col" class="num">Score</th><th scope="col">Grade</th><th scope="col">Look at</th></tr></thead>',
    '<tbody>',
    ...verdicts.map(
      (v) =>
        `<tr${v.persona === current ? ' class="current"' : ''}><th scope="row">${esc(v.name)}` +
        (v.persona === current ? ' <span class="tag">weights used above</span>' : '') +
        `</th><td class="num">${v.score.toFixed(1)}</td><td>${gradeBadge(v.grade)}</td>` +
        `<td>${v.concerns.length ? v.concerns.map((c) => esc(pillarName(c))).join(', ') : '<span class="muted">nothing flagged</span>'}</td></tr>`,
    ),
    '</tbody>',
    '</table>',
  ].join('\n');
}

function renderPillar(p: PillarResult, profile: string): string {
  const pillar = PILLARS.find((x) => x.id === p.pillar)!;
  const hid = `${profile}-${p.pillar}`;
  return [
    `<h4 id="${hid}">${esc(p.name)} <span class="sub">${showPoints(p.score)} / 10 · weight ${p.weight}</span></h4>`,
    `<p class="question">${esc(pillar.question)}</p>`,
    '<table class="criteria">',
    `<caption class="sr">Criteria of ${esc(p.name)}</caption>`,
    '<colgroup><col class="w-crit"><col class="w-pts"><col class="w-reason"><col class="w-ev"></colgroup>',
    '<thead><tr><th scope="col">Criterion</th><th scope="col" class="num">Points</th><th scope="col">Finding</th><th scope="col">Evidence</th></tr></thead>',
    '<tbody>',
    ...p.criteria.map(criterionRow),
    '</tbody>',
    '</table>',
  ].join('\n');
}

function criterionRow(r: CriterionResult): string {
  const unknown = r.evidence === 'unknown';
  return [
    `<tr${unknown ? ' class="unk-row"' : ''}>`,
    `<th scope="row"><span class="t">${esc(criterionTitle(r.id))}</span> <code>${esc(r.id)}</code></th>`,
    `<td class="num" data-label="Points">${showPoints(r.points)} / ${showPoints(r.maxPoints)}</td>`,
    `<td data-label="Finding">${esc(r.reason)}</td>`,
    `<td data-label="Evidence">${r.evidence === 'unknown' ? unknownEvidence(r.unknownNote) : evidence(r.evidence)}</td>`,
    '</tr>',
  ].join('');
}

function unknownEvidence(note: string | undefined): string {
  return (
    '<span class="unk-tag"><span class="q" aria-hidden="true">?</span> unknown</span>' +
    (note === undefined ? '' : `<span class="unote">${esc(note)}</span>`)
  );
}

function evidence(e: Evidence): string {
  const href = safeHref(e.source);
  const source =
    href === undefined
      ? esc(e.source)
      : `<a href="${esc(href)}" rel="noopener noreferrer">${esc(e.source)}</a>`;
  const rows = [
    `<div><dt>Value</dt><dd class="v">${esc(showValue(e.value))}</dd></div>`,
    `<div><dt>Source</dt><dd>${source}</dd></div>`,
    `<div><dt>Date</dt><dd>${esc(e.date)}</dd></div>`,
  ];
  if (e.note !== undefined) rows.push(`<div><dt>Note</dt><dd>${esc(e.note)}</dd></div>`);
  return `<dl class="ev">${rows.join('')}</dl>`;
}

function renderGaps(entry: ReportEntry, profile: string): string {
  const { unknowns } = entry.card;
  const left = unknowns.reduce((s, g) => s + g.points, 0);
  if (unknowns.length === 0) {
    return `<h3 id="${profile}-gaps">Gaps</h3>\n<p>No gaps: every fact has evidence.</p>`;
  }
  return [
    `<h3 id="${profile}-gaps">Gaps: ${plural(unknowns.length, 'unknown fact', 'unknown facts')}, ${points(left)} left on the table</h3>`,
    '<ul class="gaps">',
    ...unknowns.map(
      (g) =>
        `<li><span class="q" aria-hidden="true">?</span><span class="gp"><strong>${points(g.points)}</strong> unknown</span>` +
        `<span class="gd"><span class="t">${esc(criterionTitle(g.criterion))}</span>` +
        `<span class="gm"><code>${esc(g.criterion)}</code> · ${esc(pillarName(g.pillar))}</span>` +
        (g.note === undefined ? '' : `<span class="unote">${esc(g.note)}</span>`) +
        '</span></li>',
    ),
    '</ul>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Charts: inline SVG, drawn here. Text inside an SVG with role="img" is not read out, so each
// chart's aria-label and <title> state every number the chart shows.

const W = 400;
const TRACK = '#e5e7eb';
const INK = '#1f2937';
const MUTED = '#4b5563';

function svg(width: number, height: number, label: string, content: readonly string[]): string {
  return [
    `<svg viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" role="img" aria-label="${esc(label)}" font-size="13" fill="${INK}">`,
    `<title>${esc(label)}</title>`,
    ...content,
    '</svg>',
  ].join('\n');
}

function totalChart(entries: readonly ReportEntry[]): string {
  const rowH = 44;
  const axisY = entries.length * rowH + 6;
  const content: string[] = [];
  entries.forEach((e, i) => {
    const y = i * rowH;
    const w = (W * Math.min(100, Math.max(0, e.card.score))) / 100;
    content.push(
      `<text x="0" y="${n(y + 14)}">${i + 1}. ${esc(clip(e.card.profile, 34))}</text>`,
      `<text x="${W}" y="${n(y + 14)}" text-anchor="end" font-weight="600">${e.card.score.toFixed(1)} / 100 · ${e.card.grade}</text>`,
      `<rect x="0" y="${n(y + 20)}" width="${W}" height="14" rx="2" fill="${TRACK}"/>`,
      `<rect x="0" y="${n(y + 20)}" width="${n(w)}" height="14" rx="2" fill="${colour(i)}"/>`,
    );
  });
  for (const t of [0, 25, 50, 75, 100]) {
    const x = (W * t) / 100;
    const anchor = t === 0 ? 'start' : t === 100 ? 'end' : 'middle';
    content.push(
      `<line x1="${n(x)}" y1="${n(axisY - 4)}" x2="${n(x)}" y2="${n(axisY + 2)}" stroke="${MUTED}"/>`,
      `<text x="${n(x)}" y="${n(axisY + 16)}" text-anchor="${anchor}" font-size="11" fill="${MUTED}">${t}</text>`,
    );
  }
  const label =
    'Total score out of 100 by profile: ' +
    entries
      .map((e, i) => `${i + 1}. ${e.card.profile}: ${e.card.score.toFixed(1)}, grade ${e.card.grade}`)
      .join('; ') +
    '.';
  return svg(W, axisY + 20, label, content);
}

function pillarComparisonChart(entries: readonly ReportEntry[]): string {
  const headH = 22;
  const barH = 18;
  const gap = 12;
  const keyW = 18;
  const valueW = 34;
  const barW = W - keyW - valueW;
  const content: string[] = [];
  let y = 0;
  for (const id of PILLAR_IDS) {
    content.push(
      `<text x="0" y="${n(y + 15)}" font-weight="600">${esc(pillarName(id))}</text>`,
      `<text x="${W}" y="${n(y + 15)}" text-anchor="end" font-size="11" fill="${MUTED}">weight ${entries[0]!.card.weights[id]}</text>`,
    );
    y += headH;
    entries.forEach((e, i) => {
      const score = e.card.pillars.find((p) => p.pillar === id)!.score;
      content.push(
        `<text x="0" y="${n(y + 12)}" font-size="11" fill="${MUTED}">${i + 1}</text>`,
        `<rect x="${keyW}" y="${n(y + 2)}" width="${n(barW)}" height="12" rx="2" fill="${TRACK}"/>`,
        `<rect x="${keyW}" y="${n(y + 2)}" width="${n((barW * score) / 10)}" height="12" rx="2" fill="${colour(i)}"/>`,
        `<text x="${W}" y="${n(y + 12)}" text-anchor="end">${showPoints(score)}</text>`,
      );
      y += barH;
    });
    y += gap;
  }
  const label =
    'Pillar scores out of 10 by profile. ' +
    PILLAR_IDS.map(
      (id) =>
        `${pillarName(id)}: ` +
        entries
          .map(
            (e, i) =>
              `${i + 1}. ${e.card.profile} ${showPoints(e.card.pillars.find((p) => p.pillar === id)!.score)}`,
          )
          .join(', '),
    ).join('; ') +
    '.';
  return svg(W, y - gap + 4, label, content);
}

function profileChart(profile: string, pillars: readonly PillarResult[]): string {
  const rowH = 58;
  const content: string[] = [];
  pillars.forEach((p, i) => {
    const y = i * rowH;
    const unknown = unknownPoints(p);
    const earned = (W * p.score) / 10;
    content.push(
      `<text x="0" y="${n(y + 14)}">${esc(p.name)}</text>`,
      `<text x="${W}" y="${n(y + 14)}" text-anchor="end" font-weight="600">${showPoints(p.score)} / 10</text>`,
      `<rect x="0" y="${n(y + 20)}" width="${W}" height="14" rx="2" fill="${TRACK}"/>`,
      `<rect x="0" y="${n(y + 20)}" width="${n(earned)}" height="14" rx="2" fill="#2f5f8a"/>`,
    );
    if (unknown > 0) {
      content.push(
        `<rect x="${n(earned + 0.75)}" y="${n(y + 20.75)}" width="${n((W * unknown) / 10 - 1.5)}" height="12.5" fill="#ffffff" stroke="${MUTED}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      );
    }
    content.push(
      `<text x="0" y="${n(y + 49)}" font-size="11" fill="${MUTED}">weight ${p.weight}${unknown > 0 ? ` · ${points(unknown)} unknown` : ''}</text>`,
    );
  });
  const label =
    `Pillar scores of ${profile}, out of 10: ` +
    pillars
      .map((p) => {
        const unknown = unknownPoints(p);
        return `${p.name} ${showPoints(p.score)} (weight ${p.weight}${unknown > 0 ? `, ${points(unknown)} unknown` : ''})`;
      })
      .join('; ') +
    '.';
  return svg(W, pillars.length * rowH - 4, label, content);
}

// ---------------------------------------------------------------------------------------------
// Style: system fonts, neutral colours; grades green (A) to red (F), always with the letter.

const CSS = `
:root{--fg:#1f2937;--muted:#4b5563;--line:#d1d5db;--soft:#f3f4f6;--link:#0b57a0}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:break-word}
main{max-width:64rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.85rem;line-height:1.2;margin:0 0 .5rem}
h2{font-size:1.45rem;line-height:1.25;margin:2.5rem 0 .75rem;padding-top:1rem;border-top:2px solid var(--line)}
h2.mini{font-size:.85rem;margin:0 0 .25rem;padding:0;border:0;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
h3{font-size:1.15rem;margin:1.75rem 0 .5rem}
h4{font-size:1rem;margin:1.5rem 0 .1rem}
h4 .sub{font-weight:400;color:var(--muted);white-space:nowrap}
p{margin:.5rem 0}
a{color:var(--link)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8em;color:var(--muted);overflow-wrap:anywhere}
.muted,.question,.note,.generated,figcaption{color:var(--muted)}
.question{margin-top:0;font-size:.9rem}
.lede{font-size:1.05rem}
.persona{border-left:4px solid #2f5f8a;background:var(--soft);padding:.5rem .75rem}
.weights{margin:.75rem 0}
.weights ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.35rem}
.weights li{border:1px solid var(--line);border-radius:4px;padding:.1rem .5rem;font-size:.9rem}
.rule{font-size:.95rem}
.bands{font-size:.9rem;color:var(--muted)}
.toc ul{list-style:none;padding:0;margin:1rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.key{display:inline-block;min-width:1.4em;padding:0 .25em;border:1px solid currentColor;border-radius:3px;text-align:center;font-size:.8em;font-weight:600;line-height:1.4}
.q{display:inline-block;min-width:1.35em;text-align:center;font-weight:700;font-style:normal;line-height:1.3;border:1px dashed #6b7280;border-radius:3px;background:#fff;color:#374151}
.badge{display:inline-block;min-width:1.7em;padding:0 .3em;border-radius:3px;color:#fff;font-weight:700;text-align:center;line-height:1.5}
.grade{display:inline-flex;flex-direction:column;align-items:center;justify-content:center;min-width:5rem;margin:0;padding:.4rem .9rem;border-radius:.5rem;color:#fff;line-height:1}
.grade .gl{font-size:.75rem;text-transform:uppercase;letter-spacing:.06em}
.grade .letter{font-size:2.75rem;font-weight:700}
.grade-a{background:#1a7f37}.grade-b{background:#4d7c0f}.grade-c{background:#8a6400}
.grade-d{background:#b45309}.grade-e{background:#c2410c}.grade-f{background:#b91c1c}
.headline{display:flex;flex-wrap:wrap;align-items:center;gap:.75rem 1.5rem;margin:1rem 0}
.score{margin:0;line-height:1}
.score .sl{display:block;font-size:.75rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin-bottom:.25rem}
.score .big{font-size:3rem;font-weight:700;font-variant-numeric:tabular-nums}
.score .of{color:var(--muted);font-size:1.1rem}
.meta{margin:0;color:var(--muted);font-size:.95rem}
.desc{color:var(--muted);margin-top:0}
.legend{list-style:none;padding:0;margin:.5rem 0 1rem;display:flex;flex-wrap:wrap;gap:.35rem 1.25rem}
.legend li{display:flex;align-items:center;gap:.4rem}
.sw{display:inline-block;width:1.1rem;height:.8rem;border-radius:2px}
.charts{display:flex;flex-wrap:wrap;gap:1rem 2.5rem;align-items:flex-start}
figure.chart{margin:1rem 0;max-width:100%}
.chart svg{display:block;width:100%;max-width:28rem;height:auto;overflow:hidden}
figcaption{font-size:.85rem;margin-top:.4rem;max-width:28rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;font-weight:600;color:var(--muted);padding:0 0 .4rem}
th,td{border-bottom:1px solid var(--line);padding:.45rem .5rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #9ca3af;font-size:.8rem;color:var(--muted)}
tbody th{font-weight:500}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.verdicts,.criteria{table-layout:fixed}
.verdicts .w-persona{width:34%}.verdicts .w-score{width:5rem}.verdicts .w-grade{width:4.5rem}
.verdicts tr.current th,.verdicts tr.current td{background:var(--soft)}
.tag{display:inline-block;font-size:.75rem;color:var(--muted);border:1px solid var(--line);border-radius:3px;padding:0 .3rem;font-weight:400}
.criteria .w-crit{width:27%}.criteria .w-pts{width:5.5rem}.criteria .w-reason{width:30%}
.criteria td,.criteria th{overflow-wrap:anywhere}
.criteria th .t{display:block}
.unk-row th,.unk-row td{background:#f9fafb}
.unk-tag{font-style:italic;color:#374151}
.unote{display:block;color:var(--muted);font-size:.85rem;margin-top:.2rem}
.ev{margin:0}
.ev div{display:flex;gap:.4rem}
.ev dt{flex:none;width:3.6rem;color:var(--muted);font-size:.8rem;padding-top:.1rem}
.ev dd{margin:0;min-width:0;overflow-wrap:anywhere}
.ev .v{font-weight:600}
.gaps{padding-left:0;list-style:none}
.gaps li{display:flex;gap:.6rem;align-items:baseline;padding:.4rem 0;border-bottom:1px solid var(--soft)}
.gaps .gp{flex:none;width:9rem;color:var(--muted);font-size:.9rem}
.gaps .gp strong{color:var(--fg)}
.gaps .gd{min-width:0}
.gaps .gm{display:block;color:var(--muted);font-size:.85rem}
.scroll{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:4px;margin:.5rem 0 1rem}
.scroll:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.matrix{width:auto;min-width:100%;font-size:.85rem}
.matrix th[scope=row]{position:sticky;left:0;z-index:1;background:#fff;border-right:1px solid var(--line)}
.matrix .crit{min-width:11rem;max-width:18rem}
.matrix .crit code{display:block}
.matrix .profile-col{min-width:8rem}
.matrix .group th{background:var(--soft);color:var(--fg);font-weight:700;position:static}
.matrix .c{min-width:7.5rem;max-width:13rem}
.matrix .pts{display:block;font-weight:600;font-variant-numeric:tabular-nums}
.matrix .val{display:block;color:var(--muted);font-size:.92em}
.matrix td.full{background:#ecf6ef}.matrix td.part{background:#fbf5e6}.matrix td.none{background:#fbecec}
.matrix td.unk{background:repeating-linear-gradient(135deg,#f3f4f6 0 6px,#fff 6px 12px);color:#374151}
.matrix .ut{font-style:italic}
.matrix tfoot th,.matrix tfoot td{background:#fff}
.matrix tfoot td.num{text-align:left}
.matrix tfoot tr:first-child th{border-top:2px solid #9ca3af}
.matrix tr.total th,.matrix tr.total td{font-weight:700}
footer{margin-top:3rem;padding-top:1rem;border-top:1px solid var(--line);font-size:.85rem;color:var(--muted)}
@media (max-width:40rem){
main{padding:1rem .75rem 2rem}
h1{font-size:1.5rem}
.score .big{font-size:2.5rem}
.criteria,.criteria tbody,.criteria tr,.criteria th,.criteria td{display:block;width:auto}
.criteria colgroup,.criteria thead{display:none}
.criteria tr{border-bottom:1px solid var(--line);padding:.4rem 0}
.criteria th,.criteria td{border:0;padding:.15rem 0;text-align:left;white-space:normal}
.criteria td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.8rem}
.verdicts .w-persona{width:auto}
.matrix .crit{min-width:8.5rem}
.matrix .profile-col{min-width:7rem}
.gaps .gp{width:4.5rem}
}
@media print{
@page{margin:1.5cm}
html{font-size:10pt}
body{font-size:1rem;color:#000}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
main{max-width:none;padding:0}
.toc{display:none}
h2,h3,h4{break-after:avoid}
section.profile{break-before:page}
tr,figure,.headline,.gaps li{break-inside:avoid}
.scroll{overflow:visible;border:0}
.matrix{font-size:7pt;table-layout:fixed;width:100%}
.matrix th[scope=row]{position:static}
.matrix .c,.matrix .crit,.matrix .profile-col{min-width:0;max-width:none}
.matrix th,.matrix td{overflow-wrap:anywhere}
.matrix thead th:first-child{width:24%}
.matrix thead th:nth-child(2){width:3.5em}
a{color:#000}
}
`
  .trim()
  .replace(/\n/g, '');
