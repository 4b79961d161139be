import { hash, verify } from '@node-rs/argon2';
import { type CpuFigures, cpuBetween, cpuReading } from './probe.js';

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum). */
const ARGON2ID = 2;

export interface Argon2Params {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/** One concurrency level of the sweep. */
export interface Argon2Level {
  concurrency: number;
  durationS: number;
  verifies: number;
  perSecond: number;
  /** Mean wall time of one verification, queueing for libuv's threads included. */
  meanMs: number;
  /** CPU time of this (idle server) process per verification. */
  cpuMsPerVerify: number;
  cpu: CpuFigures;
}

export interface Argon2Figures {
  params: Argon2Params;
  /** libuv's thread pool, on which @node-rs/argon2 runs each verification. */
  threadPoolSize: number;
  levels: Argon2Level[];
}

/**
 * Raw argon2id verifications of a correct password with @node-rs/argon2, for a fixed wall time at
 * each of `concurrencies` (verifications in flight): the floor under a sign-in, which does exactly
 * one. Run in the server process while it is idle, so it shares libuv's thread pool exactly as
 * the sign-ins do.
 */
export async function measureArgon2(
  params: Argon2Params,
  opts: { concurrencies: readonly number[]; durationS: number; warmupS: number; password: string },
): Promise<Argon2Figures> {
  const hashed = await hash(opts.password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
  const phase = async (concurrency: number, seconds: number) => {
    const times: number[] = [];
    const started = performance.now();
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
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
  await phase(Math.max(...opts.concurrencies), opts.warmupS);
  const levels: Argon2Level[] = [];
  for (const concurrency of opts.concurrencies) {
    const start = cpuReading();
    const { times, wallS } = await phase(concurrency, opts.durationS);
    const cpu = cpuBetween(start, cpuReading());
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const perSecond = times.length / wallS;
    levels.push({
      concurrency,
      durationS: Math.round(wallS * 1000) / 1000,
      verifies: times.length,
      perSecond: Math.round(perSecond * 100) / 100,
      meanMs: Math.round(mean * 1000) / 1000,
      cpuMsPerVerify: Math.round((cpu.serverProcessPercent / 100 / perSecond) * 1000 * 1000) / 1000,
      cpu,
    });
  }
  return { params, threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4, levels };
}
