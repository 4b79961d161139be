import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum). */
const ARGON2ID = 2;

export interface Argon2Figures {
  params: { memoryKiB: number; timeCost: number; parallelism: number };
  concurrency: number;
  durationS: number;
  verifies: number;
  perSecond: number;
  meanMs: number;
}

/**
 * Raw argon2id verifications of a correct password with @node-rs/argon2, `concurrency` at a time,
 * for a fixed wall time: the floor under a sign-in, which does exactly one.
 */
export async function measureArgon2(
  params: { memoryKiB: number; timeCost: number; parallelism: number },
  opts: { concurrency: number; durationS: number; warmupS: number; password: string },
): Promise<Argon2Figures> {
  const hashed = await hash(opts.password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
  const phase = async (seconds: number) => {
    const times: number[] = [];
    const started = performance.now();
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (Date.now() < end) {
          const t0 = performance.now();
          if (!(await verify(hashed, opts.password)))
            throw new Error('argon2 verify refused the right password');
          times.push(performance.now() - t0);
        }
      }),
    );
    return { times, wallS: (performance.now() - started) / 1000 };
  };
  await phase(opts.warmupS);
  const { times, wallS } = await phase(opts.durationS);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    params,
    concurrency: opts.concurrency,
    durationS: Math.round(wallS * 1000) / 1000,
    verifies: times.length,
    perSecond: Math.round((times.length / wallS) * 100) / 100,
    meanMs: Math.round(mean * 1000) / 1000,
  };
}
