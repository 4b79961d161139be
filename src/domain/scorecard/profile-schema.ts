import type { Criterion } from './criterion.js';
import { PILLARS } from './methodology.js';
import { ALL_CRITERIA } from './rubric.js';

/**
 * The published JSON Schema (2020-12) of profile files, generated from the rubric so it can never
 * disagree with it: one property per fact, typed by its criterion. Editors use it for completion
 * and checking (`# yaml-language-server: $schema=…`); `custos score` checks the same rules with
 * located messages. Written to docs/scorecard-profile.schema.json by `npm run scorecard:schema`.
 */

export const PROFILE_SCHEMA_ID = 'https://custos.invalid/schemas/scorecard-profile-1.json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const FACT_DATE: Json = {
  description: 'YYYY-MM-DD, YYYY-MM or YYYY: as precise as the source',
  anyOf: [
    { type: 'string', pattern: '^\\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\\d|3[01]))?)?$' },
    { type: 'integer', minimum: 1000, maximum: 9999 },
  ],
};

function valueSchema(c: Criterion): Json {
  switch (c.kind) {
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      return { type: c.integer ? 'integer' : 'number', minimum: c.range![0], maximum: c.range![1] };
    case 'choice':
      return { enum: [...c.options!] };
    case 'date':
      return FACT_DATE;
    case 'list':
      return { type: 'array', items: { type: 'string', minLength: 1, pattern: '\\S' } };
    case 'name':
      return { anyOf: [{ type: 'string', minLength: 1, pattern: '\\S' }, { const: false }] };
  }
}

function factSchema(c: Criterion): Json {
  const pillar = PILLARS.find((p) => p.id === c.pillar)!.name;
  return {
    description: `${pillar}, ${c.points} points: ${c.title}`,
    anyOf: [
      { const: 'unknown' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['value'],
        properties: { value: { const: 'unknown' }, note: { type: 'string', minLength: 1 } },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['value', 'source', 'date'],
        properties: {
          value: valueSchema(c),
          source: {
            type: 'string',
            minLength: 1,
            pattern: '\\S',
            description: 'A URL or the title of a document',
          },
          date: FACT_DATE,
          note: { type: 'string', minLength: 1 },
        },
      },
    ],
  };
}

export function profileJsonSchema(): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: PROFILE_SCHEMA_ID,
    title: 'Custos safety scorecard profile',
    description:
      'An exchange profile for `custos score` (docs/scorecard-methodology.md). A fact not listed counts as unknown and earns no points.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'asOf', 'facts'],
    properties: {
      name: { type: 'string', minLength: 1, pattern: '\\S' },
      asOf: {
        description: 'The assessment date, YYYY-MM-DD: ages are measured to it',
        type: 'string',
        pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
      },
      description: { type: 'string' },
      facts: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(ALL_CRITERIA.map((c) => [c.fact, factSchema(c)])),
      },
    },
  };
}
