import fs from 'node:fs/promises';
import { ScorecardError } from '../../domain/scorecard/methodology.js';
import type { Profile } from '../../domain/scorecard/profile.js';
import { parseProfileYaml } from '../../domain/scorecard/profile-yaml.js';

/**
 * Reads and checks one profile file. @throws ScorecardError INVALID_PROFILE when it cannot be
 * read (`<label>: cannot read (ENOENT)`; the label is the file unless given) or has problems (each
 * located, see profile-yaml.ts).
 */
export async function readProfileFile(file: string, label = file): Promise<Profile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ScorecardError(
      'INVALID_PROFILE',
      `${label}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseProfileYaml(text, file);
}
