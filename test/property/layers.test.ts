import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of docs/architecture.md, checked on the sources: the domain is pure,
 * services never reach into HTTP, and nothing but deps.ts and main.ts wires everything.
 */
const SRC = path.resolve('src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;
const resolveLayer = (from: string, spec: string) =>
  spec.startsWith('.') ? layerOf(path.resolve(path.dirname(from), spec)) : null;

describe('layer rules', () => {
  it('the domain imports nothing from services, db, adapters, http or cli, and does no I/O', () => {
    for (const f of files(path.join(SRC, 'domain'))) {
      for (const spec of imports(f)) {
        const layer = resolveLayer(f, spec);
        expect(layer === null || layer === 'domain', `${path.relative(SRC, f)} imports ${spec}`).toBe(true);
        expect(
          /^(node:)?(fs|net|http|https|child_process|dgram)$/.test(spec),
          `${path.relative(SRC, f)} imports ${spec}`,
        ).toBe(false);
        expect(
          /^(pg|@electric-sql|kysely|hono|@hono|nodemailer|ioredis)/.test(spec),
          `${path.relative(SRC, f)} imports ${spec}`,
        ).toBe(false);
      }
      expect(fs.readFileSync(f, 'utf8'), `${path.relative(SRC, f)} reads the clock`).not.toMatch(
        /Date\.now\(\)|new Date\(\)/,
      );
    }
  });

  it('services never import the HTTP layer or the CLI', () => {
    for (const f of files(path.join(SRC, 'services'))) {
      for (const spec of imports(f)) {
        const layer = resolveLayer(f, spec);
        expect(layer !== 'http' && layer !== 'cli', `${path.relative(SRC, f)} imports ${spec}`).toBe(true);
        expect(/^(hono|@hono)/.test(spec), `${path.relative(SRC, f)} imports ${spec}`).toBe(false);
      }
    }
  });

  it('adapters and db do not import services or http', () => {
    for (const layer of ['adapters', 'db']) {
      for (const f of files(path.join(SRC, layer))) {
        for (const spec of imports(f)) {
          const target = resolveLayer(f, spec);
          expect(
            !['services', 'http', 'cli'].includes(target ?? ''),
            `${path.relative(SRC, f)} imports ${spec}`,
          ).toBe(true);
        }
      }
    }
  });
});
