import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { firstDayOf, isFactDate, isIsoDate } from './criterion.js';
import { ScorecardError } from './methodology.js';
import { inconsistency, type Evidence, type Fact, type Profile } from './profile.js';
import { ALL_CRITERIA } from './rubric.js';

/**
 * Profiles as YAML (SPEC S10): the file format analysts edit, checked against the rubric with
 * every problem located by file, line, column and field, e.g.
 *
 *   profiles/kraken.yaml:14:12: facts.custody.hsm.value: must be true or false, got "yes"
 *
 * The format (also published as docs/scorecard-profile.schema.json):
 *
 *   name: Example Exchange          # required
 *   asOf: 2026-11-21                # required: the assessment date, YYYY-MM-DD
 *   description: …                  # optional
 *   facts:                          # required; a fact not listed counts as unknown
 *     custody.hsm:
 *       value: true                 # of the kind the criterion reads
 *       source: https://…           # a URL or a document title
 *       date: 2025-09               # YYYY-MM-DD, YYYY-MM or YYYY, as precise as the source
 *       note: …                     # optional
 *     custody.cold_storage_share: unknown
 *     insurance.amount_usd: { value: unknown, note: Not disclosed. }
 *
 * Pure: it parses text, so the CLI, the server and tests share it.
 */

export interface ProfileProblem {
  readonly file: string;
  /** 1-based; the start of the offending node, or of its parent when a field is missing. */
  readonly line: number;
  readonly column: number;
  /** Dotted path of the field, e.g. `facts.custody.hsm.date`; empty for the document itself. */
  readonly field: string;
  readonly message: string;
}

export const formatProblem = (p: ProfileProblem): string =>
  `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`;

/** A profile file that cannot be used; `problems` lists every problem found, in file order. */
export class ProfileFileError extends ScorecardError {
  constructor(readonly problems: readonly ProfileProblem[]) {
    super(
      'INVALID_PROFILE',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${problems[0]?.file ?? 'profile'}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
  }
}

const TOP_KEYS = new Set(['name', 'asOf', 'description', 'facts']);
const EVIDENCE_KEYS = new Set(['value', 'source', 'date', 'note']);
const CRITERION_BY_FACT = new Map(ALL_CRITERIA.map((c) => [c.fact, c]));
const SCORING_ASSUMPTION = { asOf: '9999-12-31' };

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** A four-digit year written without quotes is read by YAML as a number; accept it as the year. */
const asDate = (v: unknown): unknown =>
  Number.isInteger(v) && (v as number) >= 1000 && (v as number) <= 9999 ? String(v) : v;

/**
 * Parses and checks a profile. @throws ProfileFileError listing every problem (syntax errors
 * stop at the first, since what follows them cannot be trusted).
 */
export function parseProfileYaml(text: string, file: string): Profile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ProfileFileError([
      { file, ...at(e.pos[0]), field: '', message: `YAML syntax: ${e.message.split('\n')[0]}` },
    ]);
  }
  const problems: ProfileProblem[] = [];
  const nodeAt = (path: readonly string[]): Node | null => {
    for (let i = path.length; i > 0; i--) {
      const n = doc.getIn(path.slice(0, i), true) as Node | undefined;
      if (n && typeof n === 'object' && 'range' in n && n.range) return n;
    }
    return (doc.contents as Node | null) ?? null;
  };
  const problem = (path: readonly string[], message: string, keyOf = false) => {
    const node = keyOf ? keyNode(doc, path) : nodeAt(path);
    problems.push({ file, ...at(node?.range?.[0]), field: path.join('.'), message });
  };

  const root = doc.contents;
  if (!isMap(root)) {
    problem([], 'a profile must be a mapping with name, asOf and facts');
    throw new ProfileFileError(problems);
  }
  const data = doc.toJS() as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (!TOP_KEYS.has(key)) problem([key], `unknown field (expected name, asOf, description, facts)`, true);
  }
  const name = data.name;
  if (typeof name !== 'string' || name.trim() === '') problem(['name'], 'required: the exchange’s name');
  const asOf = data.asOf;
  if (!isIsoDate(asOf)) problem(['asOf'], `required: the assessment date YYYY-MM-DD, got ${show(asOf)}`);
  if (data.description !== undefined && typeof data.description !== 'string') {
    problem(['description'], 'must be text');
  }

  const facts: Record<string, Fact> = {};
  const rawFacts = data.facts;
  if (rawFacts === undefined || rawFacts === null) {
    problem(['facts'], 'required: a mapping from fact key to evidence or unknown');
  } else if (typeof rawFacts !== 'object' || Array.isArray(rawFacts)) {
    problem(['facts'], 'must be a mapping from fact key to evidence or unknown');
  } else {
    for (const [key, raw] of Object.entries(rawFacts as Record<string, unknown>)) {
      const fact = checkFact(key, raw, (path, message, keyOf) =>
        problem(['facts', key, ...path], message, keyOf),
      );
      if (!fact) continue;
      facts[key] = fact;
      if (typeof fact === 'object' && 'source' in fact && isIsoDate(asOf) && firstDayOf(fact.date) > asOf) {
        problem(['facts', key, 'date'], `dated ${fact.date}, after the assessment date ${asOf}`);
      }
    }
    const contradiction = problems.length === 0 ? inconsistency(facts) : null;
    if (contradiction) problem(['facts', /"([^"]+)"/.exec(contradiction)![1]!], contradiction);
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ProfileFileError(problems);
  }
  return {
    name: (name as string).trim(),
    asOf: asOf as string,
    facts,
    ...(typeof data.description === 'string' ? { description: data.description.trim() } : {}),
  };
}

type Report = (path: readonly string[], message: string, keyOf?: boolean) => void;

function checkFact(key: string, raw: unknown, report: Report): Fact | null {
  const criterion = CRITERION_BY_FACT.get(key);
  if (!criterion) {
    const near = nearest(key);
    report([], `no criterion reads this fact${near ? ` (did you mean "${near}"?)` : ''}`, true);
    return null;
  }
  if (raw === 'unknown') return 'unknown';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    report([], `must be "unknown" or a mapping with value, source and date, got ${show(raw)}`);
    return null;
  }
  const r = raw as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(r)) {
    if (!EVIDENCE_KEYS.has(k)) {
      report([k], 'unknown field (expected value, source, date, note)', true);
      ok = false;
    }
  }
  if (r.note !== undefined && (typeof r.note !== 'string' || r.note.trim() === '')) {
    report(['note'], 'must be text');
    ok = false;
  }
  const note = typeof r.note === 'string' ? r.note.trim() : undefined;
  if (!('value' in r)) {
    report([], 'value is required (write value: unknown when nobody knows)');
    return null;
  }
  if (r.value === 'unknown') {
    for (const k of ['source', 'date'] as const) {
      if (r[k] !== undefined) {
        report([k], 'an unknown fact has no source or date: use note to say what was looked at', true);
        ok = false;
      }
    }
    return ok ? (note === undefined ? { value: 'unknown' } : { value: 'unknown', note }) : null;
  }
  // An unquoted year is a number to YAML; as a date value it means the year.
  if (criterion.kind === 'date') r.value = asDate(r.value);
  try {
    criterion.score(r.value, SCORING_ASSUMPTION);
  } catch (e) {
    if (!(e instanceof ScorecardError)) throw e;
    report(['value'], e.message.replace(/^fact "[^"]+" /, ''));
    ok = false;
  }
  if (typeof r.source !== 'string' || r.source.trim() === '') {
    report(r.source === undefined ? [] : ['source'], 'source is required: a URL or the title of a document');
    ok = false;
  }
  const date = asDate(r.date);
  if (!isFactDate(date)) {
    report(
      r.date === undefined ? [] : ['date'],
      `${r.date === undefined ? 'date is required' : `invalid date ${show(r.date)}`}: YYYY-MM-DD, YYYY-MM or YYYY, when the source said so`,
    );
    ok = false;
  }
  if (!ok) return null;
  const evidence: Evidence = {
    value: r.value as Evidence['value'],
    source: (r.source as string).trim(),
    date: date as string,
    ...(note === undefined ? {} : { note }),
  };
  return evidence;
}

/** The node of a map key, so that an unknown key is located at itself. */
function keyNode(doc: Document, path: readonly string[]): Node | null {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return null;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === path[path.length - 1]);
  return (pair?.key as Node | undefined) ?? null;
}

/** The known fact key closest to a misspelt one (edit distance ≤ 3), for the error message. */
function nearest(key: string): string | null {
  let best: string | null = null;
  let bestD = 4;
  for (const k of CRITERION_BY_FACT.keys()) {
    const d = editDistance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
