import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Per-IP and per-subnet limits on authentication endpoints (SPEC S1). In memory for one node;
 * in Redis (REDIS_URL) so that several nodes share them. The per-account failure counter is not
 * here: it lives in the database, durable and atomic.
 */
export interface RateLimiter {
  /** Takes one point from each bucket; refuses when any is empty. */
  consume(
    buckets: ReadonlyArray<{ name: string; key: string }>,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  close(): Promise<void>;
}

export interface BucketSpec {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
}

export function createRateLimiter(specs: readonly BucketSpec[], redisUrl?: string): RateLimiter {
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : null;
  const limiters = new Map(
    specs.map((s) => [
      s.name,
      redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `custos:rl:${s.name}`,
            points: s.points,
            duration: s.durationSeconds,
          })
        : new RateLimiterMemory({ keyPrefix: s.name, points: s.points, duration: s.durationSeconds }),
    ]),
  );
  return {
    async consume(buckets) {
      let retry = 0;
      for (const b of buckets) {
        const limiter = limiters.get(b.name);
        if (!limiter) throw new Error(`unknown rate-limit bucket ${b.name}`);
        try {
          await limiter.consume(b.key);
        } catch (e) {
          if (!(e instanceof RateLimiterRes)) throw e;
          retry = Math.max(retry, Math.ceil(e.msBeforeNext / 1000));
        }
      }
      return { allowed: retry === 0, retryAfterSeconds: retry };
    },
    async close() {
      redis?.disconnect();
    },
  };
}
