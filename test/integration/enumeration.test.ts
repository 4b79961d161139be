import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, signUp, uniqueEmail } from '../fixtures/harness.js';

/**
 * User enumeration: sign-in, registration and reset must answer alike, in about the same time,
 * for known and unknown emails. This suite runs argon2id at the production minimum so that the
 * timing compared is the real one.
 */
let h: Harness;
const known: string[] = [];
beforeAll(async () => {
  h = await createHarness({ ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2' });
  for (let i = 0; i < 3; i++) {
    const email = uniqueEmail('known');
    await signUp(h, h.client(), email);
    known.push(email);
  }
}, 120_000);
afterAll(() => h.close());

const ROUNDS = 15;
/** Medians may differ by at most this share of the slower one, or 3 ms, whichever is larger. */
const TOLERANCE = 0.25;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The shape of a body: its keys and the types of its values, recursively, not the values. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'requestId' ? 'id' : shape(x)]));
  return typeof v;
}

async function compare(send: (email: string, i: number) => Promise<{ status: number; body: unknown }>) {
  const times = { known: [] as number[], unknown: [] as number[] };
  const answers = { known: new Set<string>(), unknown: new Set<string>() };
  // Interleaved, with a warm-up, so drift on the machine affects both sides alike.
  await send(uniqueEmail('warm'), -1);
  for (let i = 0; i < ROUNDS; i++) {
    const order: Array<'known' | 'unknown'> = i % 2 ? ['known', 'unknown'] : ['unknown', 'known'];
    for (const kind of order) {
      const email = kind === 'known' ? known[i % known.length]! : uniqueEmail('unknown');
      const t0 = performance.now();
      const r = await send(email, i);
      times[kind].push(performance.now() - t0);
      answers[kind].add(JSON.stringify({ status: r.status, shape: shape(r.body) }));
      h.clock.advance(120_000); // past any growing delay, so every attempt is judged
    }
  }
  return { times, answers, known: median(times.known), unknown: median(times.unknown) };
}

function expectAlike(r: Awaited<ReturnType<typeof compare>>) {
  expect([...r.answers.known]).toEqual([...r.answers.unknown]);
  expect(r.answers.known.size).toBe(1);
  const bound = Math.max(3, TOLERANCE * Math.max(r.known, r.unknown));
  console.info(
    `enumeration timing: median known ${r.known.toFixed(2)} ms, unknown ${r.unknown.toFixed(2)} ms, bound ${bound.toFixed(2)} ms`,
  );
  expect(
    Math.abs(r.known - r.unknown),
    `median known ${r.known.toFixed(2)} ms, unknown ${r.unknown.toFixed(2)} ms`,
  ).toBeLessThan(bound);
}

describe('Security: user enumeration', () => {
  it('sign-in answers the same, in about the same time, for known and unknown emails', async () => {
    const r = await compare((email, i) =>
      h
        .client({ ip: `192.0.2.${(i + 2) % 250}` })
        .post('/v1/auth/sign-in', { email, password: `wrong passphrase ${i} x` }),
    );
    expectAlike(r);
  });

  it('registration answers the same, in about the same time, for new and taken emails', async () => {
    const r = await compare((email) =>
      h.client().post('/v1/auth/register', { email, password: 'a strong passphrase for enumeration 7' }),
    );
    expectAlike(r);
  });

  it('password reset answers the same, in about the same time, for known and unknown emails', async () => {
    const r = await compare((email) => h.client().post('/v1/auth/password-reset', { email }));
    expectAlike(r);
  });
});
