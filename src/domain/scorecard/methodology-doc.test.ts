import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { showPoints } from './report.js';
import { ALL_CRITERIA } from './rubric.js';

/** docs/scorecard-methodology.md explains every criterion; it must not drift from the rubric. */
const DOC = fs.readFileSync(
  path.resolve(import.meta.dirname, '../../../docs/scorecard-methodology.md'),
  'utf8',
);

describe('docs/scorecard-methodology.md', () => {
  it('lists every criterion with its maximum points, in the summary table and in its own section', () => {
    for (const c of ALL_CRITERIA) {
      expect(DOC, c.id).toContain(
        `| \`${c.id}\` | ${showPoints(c.points)} | ${c.title.replace(/’/g, "'")} |`,
      );
      expect(DOC, c.id).toMatch(
        new RegExp(`#### \`${c.id.replace('.', '\\.')}\` \\(${showPoints(c.points)} points?\\)`),
      );
    }
  });

  it('documents no criterion that does not exist', () => {
    const ids = new Set(ALL_CRITERIA.map((c) => c.id));
    for (const m of DOC.matchAll(/^#### `([a-z]+\.[a-z0-9_]+)`/gm)) expect(ids.has(m[1]!), m[1]).toBe(true);
  });
});
