import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scorecardArtifacts } from './artifacts.js';
import { DEFAULT_WEIGHTS } from './methodology.js';
import { scoreProfile } from './profile.js';
import { profileJsonSchema } from './profile-schema.js';
import { parseProfileYaml, ProfileFileError } from './profile-yaml.js';
import { ALL_CRITERIA } from './rubric.js';

/**
 * The shipped profiles, the published schema and the golden reports (SPEC S10): the same profile
 * always gives the same score, in every format, byte for byte. After a deliberate change, run
 * `npm run scorecard:artifacts` and read the diff of test/golden/scorecard/.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SHIPPED = ['binance', 'coinbase', 'crypto-com', 'kraken', 'okx'];
const profiles = fs
  .readdirSync(path.join(ROOT, 'profiles'))
  .filter((n) => n.endsWith('.yaml'))
  .sort()
  .map((n) => ({ file: `profiles/${n}`, text: fs.readFileSync(path.join(ROOT, 'profiles', n), 'utf8') }));

describe('shipped profiles and golden reports', () => {
  it('ships the exchange of seed 000 and the four peers of the research notes', () => {
    expect(profiles.map((p) => p.file)).toEqual(SHIPPED.map((n) => `profiles/${n}.yaml`));
  });

  it('every shipped profile lists every fact of the rubric, known or unknown, and is consistent', () => {
    for (const p of profiles) {
      const profile = parseProfileYaml(p.text, p.file);
      expect(Object.keys(profile.facts), p.file).toEqual(ALL_CRITERIA.map((c) => c.fact));
      expect(() => scoreProfile(profile, DEFAULT_WEIGHTS)).not.toThrow();
    }
  });

  const artifacts = scorecardArtifacts(profiles);
  it('produces the schema and the reports of each profile and of the comparison in every format', () => {
    const names = [...artifacts.keys()].filter((k) => k.startsWith('test/golden/'));
    expect(names).toHaveLength((SHIPPED.length + 1) * 4);
  });
  for (const [rel, content] of artifacts) {
    it(`${rel} is up to date (npm run scorecard:artifacts)`, () => {
      const file = path.join(ROOT, rel);
      expect(fs.existsSync(file), `${rel} is missing`).toBe(true);
      expect(fs.readFileSync(file, 'utf8') === content, `${rel} differs from what the code produces`).toBe(
        true,
      );
    });
  }

  it('rendering twice gives the same bytes', () => {
    const again = scorecardArtifacts(profiles);
    for (const [rel, content] of artifacts) expect(again.get(rel) === content, rel).toBe(true);
  });
});

describe('the published JSON schema (docs/scorecard-profile.schema.json)', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(profileJsonSchema() as object);

  it('accepts every shipped profile', () => {
    for (const p of profiles)
      expect(validate(parse(p.text)), `${p.file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it('refuses what the profile checker refuses, field by field', () => {
    const head = 'name: X\nasOf: 2026-11-21\n';
    const bad = [
      `${head}facts:\n  custody.hsm: { value: "yes", source: s, date: 2026 }\n`,
      `${head}facts:\n  custody.hsms: unknown\n`,
      `${head}facts:\n  custody.hsm: { value: true, date: 2026 }\n`,
      `${head}facts:\n  custody.hsm: { value: true, source: s, date: "2026-13" }\n`,
      `${head}facts:\n  custody.hsm: { value: true, source: s, date: 2026, extra: 1 }\n`,
      `${head}facts:\n  por.method: { value: merkle, source: s, date: 2026 }\n`,
      `${head}facts:\n  custody.cold_storage_share: { value: 101, source: s, date: 2026 }\n`,
      `${head}facts:\n  regulation.licences: { value: [""], source: s, date: 2026 }\n`,
      `${head}facts:\n  incident.major_incidents_5y: { value: 1.5, source: s, date: 2026 }\n`,
      `${head}facts:\n  por.auditor: { value: true, source: s, date: 2026 }\n`,
      `${head}facts:\n  por.auditor: { value: unknown, source: s }\n`,
      `name: X\nasOf: 2026-11\nfacts: {}\n`,
      `asOf: 2026-11-21\nfacts: {}\n`,
      `${head}owner: y\nfacts: {}\n`,
    ];
    for (const text of bad) {
      expect(validate(parse(text)), text).toBe(false);
      expect(() => parseProfileYaml(text, 'bad.yaml'), text).toThrow(ProfileFileError);
    }
    const good = `${head}facts:\n  por.auditor: { value: false, source: s, date: 2026 }\n  por.last_report_date: { value: 2026-10, source: s, date: 2026-11-02 }\n  incident.major_incidents_5y: { value: unknown, note: n }\n`;
    expect(validate(parse(good)), ajv.errorsText(validate.errors)).toBe(true);
    expect(() => parseProfileYaml(good, 'good.yaml')).not.toThrow();
  });
});
