import { profileJsonSchema } from './profile-schema.js';
import { parseProfileYaml } from './profile-yaml.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { renderText } from './render-text.js';
import { buildReport, reportJson, type ScoreReport } from './report.js';

/**
 * Every generated scorecard file, by repository path, from the shipped profiles' text: the
 * published schema and the golden reports (scripts/scorecard-artifacts.ts writes them; the golden
 * test compares). Pure, so the test and the script cannot disagree about what they contain.
 */
export function scorecardArtifacts(
  profiles: readonly { readonly file: string; readonly text: string }[],
): Map<string, string> {
  const out = new Map<string, string>();
  out.set('docs/scorecard-profile.schema.json', `${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
  const parsed = profiles.map((p) => ({
    base: p.file.replace(/^.*\//, '').replace(/\.ya?ml$/, ''),
    profile: parseProfileYaml(p.text, p.file),
  }));
  const formats = (name: string, report: ScoreReport) => {
    out.set(`test/golden/scorecard/${name}.txt`, renderText(report));
    out.set(`test/golden/scorecard/${name}.json`, reportJson(report));
    out.set(`test/golden/scorecard/${name}.md`, renderMarkdown(report));
    out.set(`test/golden/scorecard/${name}.html`, renderHtml(report));
  };
  for (const p of parsed) formats(p.base, buildReport([p.profile]));
  if (parsed.length > 1) formats('comparison', buildReport(parsed.map((p) => p.profile)));
  return out;
}
