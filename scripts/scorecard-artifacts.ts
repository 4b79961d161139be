/**
 * Writes the scorecard's generated files, so that they are committed and reviewed like code:
 *
 *   docs/scorecard-profile.schema.json     the JSON Schema of profile files (from the rubric)
 *   test/golden/scorecard/<profile>.<ext>  each shipped profile in every format
 *   test/golden/scorecard/comparison.<ext> the five shipped profiles compared, in every format
 *
 *   npx tsx scripts/scorecard-artifacts.ts          (re)writes them (npm run scorecard:artifacts)
 *   npx tsx scripts/scorecard-artifacts.ts --check  exits 1 naming every file that differs
 *
 * src/domain/scorecard/golden.test.ts regenerates them in memory and compares, so a change in the
 * rubric, a renderer or a profile fails the tests until this script is run and the diff read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scorecardArtifacts } from '../src/domain/scorecard/artifacts.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const profiles = fs
  .readdirSync(path.join(root, 'profiles'))
  .filter((n) => n.endsWith('.yaml'))
  .sort()
  .map((n) => ({ file: `profiles/${n}`, text: fs.readFileSync(path.join(root, 'profiles', n), 'utf8') }));

const stale: string[] = [];
for (const [rel, content] of scorecardArtifacts(profiles)) {
  const file = path.join(root, rel);
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (current === content) continue;
  if (check) stale.push(rel);
  else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    console.log(`wrote ${rel}`);
  }
}
if (check && stale.length) {
  console.error(`out of date (run npm run scorecard:artifacts):\n  ${stale.join('\n  ')}`);
  process.exitCode = 1;
}
