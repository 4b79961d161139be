import { PILLAR_IDS, type Weights } from './methodology.js';
import { PERSONAS } from './personas.js';
import type { CriterionResult, Scorecard } from './profile.js';
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
 * The terminal rendering of a score report (`custos score --format table`, the default): each
 * profile's score, pillar bars, criteria with their evidence, persona verdicts and gaps; with
 * several profiles, a summary and the control-by-control matrix. Plain text, optionally with
 * ANSI colour (never the only signal: unknown also reads "?", grades are letters).
 */

export interface TextOptions {
  /** ANSI colours (only when writing to a terminal). */
  readonly color?: boolean;
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;

export function renderText(report: ScoreReport, options: TextOptions = {}): string {
  const c = (code: keyof typeof ANSI, s: string) => (options.color ? `\x1b[${ANSI[code]}m${s}\x1b[0m` : s);
  const out: string[] = [];
  out.push(c('bold', 'Exchange safety scorecard'));
  out.push(
    `Weights: ${describeWeights(report.weights)}${report.persona ? ` (persona: ${report.persona.name})` : ''}`,
  );
  if (report.persona) out.push(`  ${report.persona.rationale}`);
  out.push('Unknown facts earn no points; they are listed as gaps.');

  if (report.entries.length > 1) {
    out.push('', c('bold', 'Summary'));
    out.push(
      ...table(
        ['Profile', 'As of', 'Score', 'Grade', ...PILLAR_IDS.map((id) => short(pillarName(id)))],
        report.entries.map((e) => [
          e.card.profile,
          e.card.asOf,
          e.card.score.toFixed(1),
          e.card.grade,
          ...e.card.pillars.map((p) => showPoints(p.score)),
        ]),
        [false, false, true, false, ...PILLAR_IDS.map(() => true)],
      ),
    );
  }

  for (const entry of report.entries) out.push('', ...renderEntry(entry, c));

  if (report.matrix && report.entries.length > 1) {
    out.push('', c('bold', 'Control-by-control comparison (points / max; ? = unknown)'));
    const names = report.entries.map((e) => e.card.profile);
    const rows: string[][] = [];
    let pillar = '';
    for (const row of report.matrix) {
      if (row.pillar !== pillar) {
        pillar = row.pillar;
        rows.push([`[${pillarName(row.pillar)}]`, '', ...names.map(() => '')]);
      }
      rows.push([
        row.criterion,
        showPoints(row.maxPoints),
        ...row.cells.map((cell) => (cell.known ? showPoints(cell.points) : '?')),
      ]);
    }
    out.push(...table(['Criterion', 'Max', ...names], rows, [false, true, ...names.map(() => true)]));
    out.push('', c('bold', 'Persona verdicts (score and grade with each persona’s weights)'));
    out.push(
      ...table(
        ['Persona', ...names],
        PERSONAS.map((p, i) => [
          p.name,
          ...report.entries.map((e) => `${e.verdicts[i]!.score.toFixed(1)} ${e.verdicts[i]!.grade}`),
        ]),
        [false, ...names.map(() => true)],
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

type Paint = (code: keyof typeof ANSI, s: string) => string;

function renderEntry(entry: ReportEntry, c: Paint): string[] {
  const { card } = entry;
  const out: string[] = [];
  const gradeColour = card.grade <= 'B' ? 'green' : card.grade <= 'D' ? 'yellow' : 'red';
  out.push(c('bold', `${card.profile} (as of ${card.asOf})`));
  if (entry.description) out.push(entry.description);
  out.push(`Score ${c('bold', card.score.toFixed(1))} / 100   Grade ${c(gradeColour, card.grade)}`);
  out.push('');
  out.push(
    ...table(
      ['Pillar', 'Weight', 'Score', ''],
      card.pillars.map((p) => [p.name, String(p.weight), `${showPoints(p.score)}/10`, bar(p.score)]),
      [false, true, true, false],
    ),
  );
  for (const p of card.pillars) {
    out.push('', `${c('bold', p.name)}: ${showPoints(p.score)} of 10`);
    for (const r of p.criteria) out.push(...criterionLines(r, c));
  }
  out.push('', c('bold', 'Persona verdicts'));
  out.push(...table(VERDICT_COLUMNS, verdictRows(entry), [false, true, false, false]));
  out.push('', c('bold', `Gaps: ${gapSummary(card)}`));
  for (const g of card.unknowns) {
    out.push(`  ${g.criterion} (${showPoints(g.points)} pt)${g.note ? ` - ${g.note}` : ''}`);
  }
  return out;
}

function criterionLines(r: CriterionResult, c: Paint): string[] {
  const pts = `${showPoints(r.points)}/${showPoints(r.maxPoints)}`.padStart(7);
  if (r.evidence === 'unknown') {
    return [`  ${pts}  ${r.id}: ${c('dim', `? unknown${r.unknownNote ? ` - ${r.unknownNote}` : ''}`)}`];
  }
  const e = r.evidence;
  return [
    `  ${pts}  ${r.id} = ${showValue(e.value)}: ${r.reason}`,
    c('dim', `           source: ${e.source} (${e.date})${e.note ? `; note: ${e.note}` : ''}`),
  ];
}

/** "12 unknown facts, worth 31.5 pillar points" */
export function gapSummary(card: Scorecard): string {
  const n = card.unknowns.length;
  if (n === 0) return 'none, every fact is known';
  const pts = card.unknowns.reduce((s, g) => s + g.points, 0);
  return `${n} unknown fact${n === 1 ? '' : 's'}, worth ${showPoints(pts)} pillar points`;
}

/** "custody 20, proof_of_reserves 15, …" */
export function describeWeights(w: Weights): string {
  return PILLAR_IDS.map((id) => `${pillarName(id)} ${w[id]}`).join(', ');
}

/** A 10-cell bar for a 0–10 pillar score, in half-cells. */
function bar(score: number): string {
  const halves = Math.round(score * 2);
  return (
    '█'.repeat(Math.floor(halves / 2)) + (halves % 2 ? '▌' : '') + '·'.repeat(10 - Math.ceil(halves / 2))
  );
}

/** The first word of a pillar's name, for narrow summary columns. */
const short = (name: string) => name.split(/[ &]/)[0]!;

/** Columns padded to their widest cell; `right` aligns numbers. */
function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string[] {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** Display width: code points, not UTF-16 units. */
const width = (s: string) => [...s].length;
