import { PILLAR_IDS } from './methodology.js';
import { PERSONAS } from './personas.js';
import type { CriterionResult } from './profile.js';
import { describeWeights, gapSummary } from './render-text.js';
import {
  pillarName,
  showPoints,
  showValue,
  type ReportEntry,
  type ScoreReport,
  VERDICT_COLUMNS,
  verdictRows,
} from './report.js';

/**
 * The Markdown rendering of a score report (`--format markdown`), for pull requests, wikis and
 * reviews: the same content as the terminal table, as GitHub-flavoured Markdown tables. Every
 * profile-supplied string is escaped, so a profile cannot inject links, images or HTML.
 */
export function renderMarkdown(report: ScoreReport): string {
  const out: string[] = ['# Exchange safety scorecard', ''];
  out.push(
    `Weights: ${describeWeights(report.weights)}${report.persona ? ` (persona: ${esc(report.persona.name)})` : ''}.`,
  );
  if (report.persona) out.push('', `> ${esc(report.persona.rationale)}`);
  out.push('', 'Unknown facts earn no points; they are listed as gaps.');

  if (report.entries.length > 1) {
    out.push('', '## Summary', '');
    out.push(
      ...table(
        ['Profile', 'As of', 'Score', 'Grade', ...PILLAR_IDS.map(pillarName)],
        report.entries.map((e) => [
          esc(e.card.profile),
          e.card.asOf,
          e.card.score.toFixed(1),
          e.card.grade,
          ...e.card.pillars.map((p) => showPoints(p.score)),
        ]),
        [false, false, true, false, ...PILLAR_IDS.map(() => true)],
      ),
    );
  }
  for (const entry of report.entries) out.push('', ...renderEntry(entry));

  if (report.matrix && report.entries.length > 1) {
    const names = report.entries.map((e) => esc(e.card.profile));
    out.push('', '## Control-by-control comparison', '', 'Points earned of the maximum; `?` is unknown.', '');
    const rows: string[][] = [];
    let pillar = '';
    for (const row of report.matrix) {
      if (row.pillar !== pillar) {
        pillar = row.pillar;
        rows.push([`**${pillarName(row.pillar)}**`, '', ...names.map(() => '')]);
      }
      rows.push([
        `\`${row.criterion}\` ${esc(row.title)}`,
        showPoints(row.maxPoints),
        ...row.cells.map((cell) => (cell.known ? showPoints(cell.points) : '?')),
      ]);
    }
    out.push(...table(['Criterion', 'Max', ...names], rows, [false, true, ...names.map(() => true)]));
    out.push('', '## Persona verdicts', '');
    out.push(
      ...table(
        ['Persona', ...names],
        PERSONAS.map((p, i) => [
          p.name,
          ...report.entries.map((e) => `${e.verdicts[i]!.score.toFixed(1)} (${e.verdicts[i]!.grade})`),
        ]),
        [false, ...names.map(() => true)],
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

function renderEntry(entry: ReportEntry): string[] {
  const { card } = entry;
  const out = [`## ${esc(card.profile)}`, ''];
  if (entry.description) out.push(esc(entry.description), '');
  out.push(`**Score ${card.score.toFixed(1)} / 100, grade ${card.grade}** (as of ${card.asOf})`, '');
  out.push(
    ...table(
      ['Pillar', 'Weight', 'Score'],
      card.pillars.map((p) => [p.name, String(p.weight), `${showPoints(p.score)} / 10`]),
      [false, true, true],
    ),
  );
  for (const p of card.pillars) {
    out.push('', `### ${p.name}: ${showPoints(p.score)} / 10`, '');
    out.push(
      ...table(['Criterion', 'Points', 'Finding', 'Evidence'], p.criteria.map(criterionRow), [
        false,
        true,
        false,
        false,
      ]),
    );
  }
  out.push('', '### Persona verdicts', '');
  out.push(...table(VERDICT_COLUMNS, verdictRows(entry), [false, true, false, false]));
  out.push('', `### Gaps: ${gapSummary(card)}`);
  if (card.unknowns.length) out.push('');
  for (const g of card.unknowns) {
    out.push(`- \`${g.criterion}\` (${showPoints(g.points)} pt)${g.note ? `: ${esc(g.note)}` : ''}`);
  }
  return out;
}

function criterionRow(r: CriterionResult): string[] {
  const points = `${showPoints(r.points)} / ${showPoints(r.maxPoints)}`;
  if (r.evidence === 'unknown') {
    return [`\`${r.id}\``, points, `? unknown${r.unknownNote ? `: ${esc(r.unknownNote)}` : ''}`, ''];
  }
  const e = r.evidence;
  const source = /^https?:\/\/\S+$/.test(e.source)
    ? `<${e.source.replace(/[<>]/g, '').replace(/\|/g, '%7C')}>`
    : esc(e.source);
  return [
    `\`${r.id}\``,
    points,
    `${esc(showValue(e.value))}: ${esc(r.reason)}`,
    `${source} (${e.date})${e.note ? `. ${esc(e.note)}` : ''}`,
  ];
}

/**
 * Escapes Markdown and HTML in a table cell: pipes, backslashes, brackets, emphasis, code spans,
 * angle brackets and line breaks.
 */
export function esc(s: string): string {
  return s.replace(/[\\`*_[\]<>|#!]/g, (ch) => `\\${ch}`).replace(/\r?\n/g, ' ');
}

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}
