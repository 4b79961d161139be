import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { type Config, loadConfig } from '../../src/config.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/database.js';
import { buildDeps, type Clock, closeDeps, type Deps } from '../../src/deps.js';
import { totpCodeAt, totpStep } from '../../src/domain/identity/totp.js';
import { createApp } from '../../src/http/app.js';
import { drainOutbox } from '../../src/services/notifications/outbox-worker.js';

/**
 * A real Custos node for the benchmarks: configuration as in production (argon2id at the SPEC
 * minimum m=19456 KiB, t=2, p=1) except what a benchmark must change (no SMTP: the development
 * mailbox; silent logs; client addresses from X-Forwarded-For; rate limits out of the way), the
 * real HTTP server on 127.0.0.1, the system clock, and PostgreSQL in a fresh schema or PGlite.
 */

export type DbKind = 'postgres' | 'pglite';

export const BENCH_PASSWORD = 'correct horse battery staple 42';
export const USER_AGENT = 'custos-bench/1.0 (autocannon; node)';

export interface System {
  readonly kind: DbKind;
  readonly url: string;
  readonly deps: Deps;
  readonly config: Config;
  /** The PostgreSQL schema, when kind is postgres. */
  readonly schema: string | undefined;
  close(): Promise<void>;
}

export function benchEnv(port: number, dataDir: string, databaseUrl?: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    TRUST_PROXY: 'true',
    PUBLIC_URL: `http://localhost:${port}`,
    ARGON2_MEMORY_KIB: '19456',
    ARGON2_TIME_COST: '2',
    ARGON2_PARALLELISM: '1',
    // The configuration caps the per-IP limit at 100,000/min; the subnet limit goes to 1,000,000.
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_SUBNET_PER_MINUTE: '1000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** What a benchmark may add to the node above: settings of its own, and a clock it moves. */
export interface SystemOptions {
  /** Extra environment variables, applied over benchEnv's. */
  env?: Record<string, string>;
  clock?: Clock;
}

export async function startSystem(
  kind: DbKind,
  postgresUrl: string,
  options: SystemOptions = {},
): Promise<System> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `custos-bench-${kind}-`));
  const port = await freePort();
  const config = loadConfig({
    ...benchEnv(port, dataDir, kind === 'postgres' ? postgresUrl : undefined),
    ...options.env,
  });

  let database: DatabaseHandle | undefined;
  let schema: string | undefined;
  if (kind === 'postgres') {
    schema = `bench_${randomBytes(6).toString('hex')}`;
    const admin = await openDatabase({ url: postgresUrl, poolSize: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    await admin.close();
    database = await openDatabase({ url: postgresUrl, schema, poolSize: config.DATABASE_POOL_SIZE });
  }
  // Without a handle, buildDeps opens PGlite in DATA_DIR/pgdata, the embedded default.
  const deps = await buildDeps(config, {
    ...(database ? { database } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });

  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    deps,
    config,
    schema,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await closeDeps(deps);
      if (schema) {
        const admin = await openDatabase({ url: postgresUrl, poolSize: 1 });
        await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
        await admin.close();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Users, created through the API exactly as an app would.

export interface BenchUser {
  readonly email: string;
  readonly password: string;
  readonly ip: string;
  readonly deviceToken: string;
  /** The bearer token of the session opened during setup. */
  sessionToken: string;
  /** Set for users with TOTP enrolled. */
  totpSecret?: string;
  /** The last TOTP time step the server accepted for this user. */
  lastStep?: number;
}

export interface Reply {
  status: number;
  // JSON bodies of several shapes, checked where used.
  body: any;
}

/** The address of the i-th simulated client: 198.18.0.0/15 is reserved for benchmarks (RFC 2544). */
export function benchIp(i: number): string {
  return `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`;
}

export function appHeaders(ip: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'X-Custos-Client': 'app', 'User-Agent': USER_AGENT, 'X-Forwarded-For': ip, ...extra };
}

export async function call(
  base: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await fetch(base + url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null } as Reply;
}

export function expectOk(what: string, r: Reply, check: (body: Reply['body']) => boolean = () => true) {
  if (r.status !== 200 || !check(r.body))
    throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

const VERIFY_LINK = /\/verify-email\?token=([A-Za-z0-9_-]{43})/;

/**
 * Registers `count` users, verifies each email from the development mailbox (after draining the
 * outbox) on a fresh app device, and signs each in as an app; with `totp`, also enrols an
 * authenticator app (POST /v1/me/totp/setup, then /confirm with a code).
 *
 * Concurrency 8 by default: argon2 runs on libuv's 4 threads, and each user's steps wait on the
 * database between them, so this keeps both cores busy.
 */
export async function createUsers(
  sys: System,
  count: number,
  opts: { totp: boolean; label: string; ipOffset: number; concurrency?: number },
): Promise<BenchUser[]> {
  const tag = randomBytes(3).toString('hex');
  const seeds = Array.from({ length: count }, (_, i) => ({
    email: `${opts.label}.${tag}.${i}@bench.example.com`,
    ip: benchIp(opts.ipOffset + i),
  }));
  const C = opts.concurrency ?? 8;

  await pool(seeds, C, async (s) => {
    const r = await call(sys.url, 'POST', '/v1/auth/register', appHeaders(s.ip), {
      email: s.email,
      password: BENCH_PASSWORD,
    });
    expectOk(`register ${s.email}`, r);
  });

  await drainOutbox(sys.deps);
  const mails = await sys.deps.db
    .selectFrom('dev_mailbox')
    .select(['to_address', 'text_body'])
    .where(
      'to_address',
      'in',
      seeds.map((s) => s.email),
    )
    .execute();
  const verifyToken = new Map<string, string>();
  for (const m of mails) {
    const match = VERIFY_LINK.exec(m.text_body);
    if (match) verifyToken.set(m.to_address, match[1]!);
  }

  return pool(seeds, C, async (s) => {
    const token = verifyToken.get(s.email);
    if (!token) throw new Error(`no verification email for ${s.email}`);
    const v = await call(sys.url, 'POST', '/v1/auth/verify-email', appHeaders(s.ip), { token });
    expectOk('verify-email', v, (b) => typeof b.deviceToken === 'string');
    const deviceToken: string = v.body.deviceToken;
    const device = { 'X-Custos-Device': deviceToken };

    const si = await call(sys.url, 'POST', '/v1/auth/sign-in', appHeaders(s.ip, device), {
      email: s.email,
      password: BENCH_PASSWORD,
    });
    expectOk('sign-in', si, (b) => b.status === 'signed_in' && typeof b.session?.token === 'string');
    const user: BenchUser = {
      email: s.email,
      password: BENCH_PASSWORD,
      ip: s.ip,
      deviceToken,
      sessionToken: si.body.session.token,
    };
    if (!opts.totp) return user;

    const auth = () => appHeaders(s.ip, { ...device, Authorization: `Bearer ${user.sessionToken}` });
    // A session opened by sign-in starts with a fresh step-up; step up with the password only if not.
    let setup = await call(sys.url, 'POST', '/v1/me/totp/setup', auth(), {});
    if (setup.status !== 200) {
      const up = await call(sys.url, 'POST', '/v1/auth/step-up', auth(), {
        method: 'password',
        password: BENCH_PASSWORD,
      });
      expectOk('step-up', up, (b) => typeof b.session?.token === 'string');
      user.sessionToken = up.body.session.token;
      setup = await call(sys.url, 'POST', '/v1/me/totp/setup', auth(), {});
    }
    expectOk('totp setup', setup, (b) => typeof b.secret === 'string');
    const secret: string = setup.body.secret;
    // The code of the previous 30-second step (inside the server's ±1 step window, as from a phone
    // whose clock is a little behind): the step it consumes is then already past, so every user can
    // sign in again at once, without the benchmark waiting for the next step.
    // A step boundary passing between here and the server's check would refuse it: then retry.
    let at = Date.now() - 30_000;
    let confirm = await call(sys.url, 'POST', '/v1/me/totp/confirm', auth(), {
      code: totpCodeAt(secret, at),
    });
    if (confirm.status !== 200 && totpStep(Date.now()) !== totpStep(at) + 1) {
      at = Date.now() - 30_000;
      confirm = await call(sys.url, 'POST', '/v1/me/totp/confirm', auth(), { code: totpCodeAt(secret, at) });
    }
    expectOk('totp confirm', confirm, (b) => b.enabled === true);
    user.totpSecret = secret;
    user.lastStep = totpStep(at);
    return user;
  });
}
