import { randomBytes, randomUUID } from 'node:crypto';
import type { ChainAdapter } from './adapters/chain/chain-adapter.js';
import { createSimulatedChain } from './adapters/chain/simulated-chain.js';
import { createWebhookChain } from './adapters/chain/webhook-chain.js';
import { createArgon2Hasher, type PasswordHasher } from './adapters/crypto/password-hasher.js';
import { loadOrCreateSigningKey, type Signer } from './adapters/crypto/signing-key.js';
import { createLocalKms, type Kms, loadKeyring } from './adapters/kms/local-kms.js';
import { createDevMailbox, createSmtpMailer, type Mailer } from './adapters/mail/mailer.js';
import { createRateLimiter, type RateLimiter } from './adapters/ratelimit/rate-limiter.js';
import { createWebhookSender, type WebhookSender } from './adapters/webhook/webhook-sender.js';
import type { Config } from './config.js';
import { type DatabaseHandle, type Db, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { SessionCache } from './services/identity/session-cache.js';
import { syncLedgerReferenceData } from './services/ledger/system-accounts.js';
import {
  listenForSessionChanges,
  SESSION_CACHE_MAX_ENTRIES,
  type SessionRow,
} from './services/identity/sessions.js';

export interface Clock {
  now(): Date;
}
export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

/** Everything a service may use, wired in one place and passed in. */
export interface Deps {
  readonly config: Config;
  readonly db: Db;
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly kms: Kms;
  readonly signer: Signer;
  /** Signs proof-of-reserves manifests (S8); a key of its own. */
  readonly porSigner: Signer;
  readonly mailer: Mailer;
  readonly webhooks: WebhookSender | null;
  readonly rateLimiter: RateLimiter;
  readonly metrics: Metrics;
  readonly passwords: PasswordHasher;
  readonly sessionCache: SessionCache<SessionRow>;
  /** Where withdrawals go to be signed and broadcast (S3 chain adapters). */
  readonly chain: ChainAdapter;
  /** Closed by closeDeps: background connections the deps opened. */
  readonly closers: readonly (() => Promise<void>)[];
}

export const systemClock: Clock = { now: () => new Date() };
export const systemRandom: Random = { bytes: (n) => randomBytes(n), uuid: () => randomUUID() };

export interface BuildOptions {
  clock?: Clock;
  random?: Random;
  log?: Logger;
  database?: DatabaseHandle;
  mailer?: Mailer;
  chain?: ChainAdapter;
  defaultMetrics?: boolean;
}

export async function buildDeps(config: Config, options: BuildOptions = {}): Promise<Deps> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  for (const warning of config.warnings) log.warn({ setting: warning.split(':')[0] }, warning);

  const database =
    options.database ??
    (await openDatabase({
      url: config.DATABASE_URL,
      pgliteDir: config.pgliteDir,
      poolSize: config.DATABASE_POOL_SIZE,
    }));
  const { applied } = await migrateToLatest(database.db, database.schema);
  if (applied.length) log.info({ applied }, 'database migrated');
  await syncLedgerReferenceData(database.db, config.assets, clock.now());

  const createKeys = !config.production;
  const kms = createLocalKms(loadKeyring(config.kekFile, { createIfMissing: createKeys }));
  const signer = loadOrCreateSigningKey(config.auditSigningKeyFile, { createIfMissing: createKeys });
  const porSigner = loadOrCreateSigningKey(config.porSigningKeyFile, {
    createIfMissing: createKeys,
    setting: 'POR_SIGNING_KEY_FILE',
  });
  const mailer =
    options.mailer ??
    (config.SMTP_URL
      ? createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
      : createDevMailbox(database.db, () => clock.now(), random.uuid));
  const webhooks =
    config.WEBHOOK_URL && config.WEBHOOK_SECRET
      ? createWebhookSender(config.WEBHOOK_URL, config.WEBHOOK_SECRET, () => clock.now())
      : null;
  const rateLimiter = createRateLimiter(
    [
      { name: 'auth-ip', points: config.RATE_LIMIT_IP_PER_MINUTE, durationSeconds: 60 },
      { name: 'auth-subnet', points: config.RATE_LIMIT_SUBNET_PER_MINUTE, durationSeconds: 60 },
      { name: 'strength-ip', points: config.RATE_LIMIT_IP_PER_MINUTE * 4, durationSeconds: 60 },
    ],
    config.REDIS_URL,
  );
  const sessionCache = new SessionCache<SessionRow>({
    ttlMs: config.SESSION_CACHE_MS,
    maxEntries: SESSION_CACHE_MAX_ENTRIES,
  });
  const closers: (() => Promise<void>)[] = [];
  if (config.SESSION_CACHE_MS > 0) {
    const listener = listenForSessionChanges(database, sessionCache, log);
    closers.push(() => listener.close());
  }
  const now = () => clock.now();
  const chain =
    options.chain ??
    (config.CHAIN_ADAPTER === 'webhook'
      ? createWebhookChain({ url: config.CHAIN_SIGNER_URL!, secret: config.CHAIN_SIGNER_SECRET!, now })
      : createSimulatedChain(database.db, {
          now,
          confirmSeconds: config.SIM_CHAIN_CONFIRM_SECONDS,
          latencyMs: config.SIM_CHAIN_LATENCY_MS,
        }));
  return {
    config,
    db: database.db,
    database,
    clock,
    random,
    log,
    kms,
    signer,
    porSigner,
    mailer,
    webhooks,
    rateLimiter,
    metrics: createMetrics({ defaultMetrics: options.defaultMetrics ?? true }),
    passwords: createArgon2Hasher({
      memoryKiB: config.ARGON2_MEMORY_KIB,
      timeCost: config.ARGON2_TIME_COST,
      parallelism: config.ARGON2_PARALLELISM,
    }),
    sessionCache,
    chain,
    closers,
  };
}

export async function closeDeps(deps: Deps): Promise<void> {
  for (const close of deps.closers) await close();
  await deps.rateLimiter.close();
  await deps.mailer.close();
  await deps.database.close();
}
