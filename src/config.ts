import path from 'node:path';
import { z } from 'zod';
import { type Asset, parseAssets } from './domain/ledger/assets.js';
import { parseThresholds, type RiskThresholds } from './domain/risk/withdrawal-risk.js';
import {
  type AssetAmounts,
  DEFAULT_TIERS_JSON,
  parseAssetAmounts,
  parseTiers,
  type Tiers,
} from './domain/withdrawals/limits.js';

/**
 * Configuration, read once from the environment, validated, frozen.
 *
 * Every number of SPEC S1 is a variable here. Development defaults work with no configuration at
 * all; production refuses values weaker than the SPEC's minimums, and any weaker choice made
 * outside production is returned in `warnings` so that start-up logs it.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8080),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('.custos'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(20),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Custos <security@custos.localhost>'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: bool.default(false),
  KEK_FILE: z.string().optional(),
  AUDIT_SIGNING_KEY_FILE: z.string().optional(),
  // S8: the Ed25519 key that signs proof-of-reserves manifests (its own key: publishing it
  // widely must not widen what the audit-checkpoint key vouches for).
  POR_SIGNING_KEY_FILE: z.string().optional(),
  // S8: a snapshot every N hours, on the hour boundary (0 = only on demand).
  POR_SNAPSHOT_EVERY_HOURS: int(0, 24 * 31).default(24),
  // S8: the smallest tree height, so the leaf count of a small asset stays vague (1 = as needed).
  POR_MIN_HEIGHT: int(1, 32).default(1),
  // S10: the operator-edited profile (YAML) with what Custos cannot know: custody, insurance,
  // licences, incident record, support. Without it those facts score as unknown.
  SCORECARD_FACTS_FILE: z.string().min(1).optional(),
  // S10: the profiles the public scorecard page compares the platform with (default: profiles/).
  SCORECARD_PEERS_DIR: z.string().min(1).optional(),
  WEBHOOK_URL: z.url().optional(),
  WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),

  ARGON2_MEMORY_KIB: int(1024, 4_194_304).default(19456),
  ARGON2_TIME_COST: int(1, 100).default(2),
  ARGON2_PARALLELISM: int(1, 16).default(1),
  PASSWORD_MIN_LENGTH: int(8, 64).default(12),
  PASSWORD_MAX_LENGTH: int(128, 1024).default(128),
  PASSWORD_MIN_STRENGTH: int(0, 4).default(3),

  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: int(1, 24 * 30).default(12),
  STEP_UP_MINUTES: int(1, 60).default(5),
  // Live sessions are served from memory for at most this long, and only while this node hears
  // the database's invalidations (see docs/architecture.md); 0 reads the database every time.
  SESSION_CACHE_MS: int(0, 10_000).default(2_000),

  // S2: the assets the ledger holds, SYMBOL:DECIMALS:NETWORK, comma-separated.
  ASSETS: z.string().default('BTC:8:bitcoin,ETH:18:ethereum,USDC:6:ethereum'),
  MAX_SUB_ACCOUNTS: int(0, 100).default(20),
  // S3: a confirmed withdrawal address becomes usable this long after its confirmation.
  ADDRESS_ACTIVATION_HOURS: int(1, 24 * 30).default(24),
  MAX_ADDRESSES: int(1, 1000).default(100),
  EMAIL_TOKEN_HOURS: int(1, 72).default(24),
  // S3 withdrawals. Whitelist-only is the platform default; turning it off is logged.
  WHITELIST_ONLY: bool.default(true),
  // 'always': every withdrawal is confirmed by email; 'risk': only those the risk engine asks for.
  WITHDRAWAL_EMAIL_CONFIRMATION: z.enum(['always', 'risk']).default('always'),
  WITHDRAWAL_CONFIRM_MINUTES: int(5, 24 * 60).default(30),
  // Whole units per asset: above this a withdrawal waits COOLING_OFF_HOURS, and a held one
  // needs two distinct reviewers.
  LARGE_WITHDRAWALS: z.string().default('BTC:1,ETH:30,USDC:50000'),
  TWO_REVIEWERS_ABOVE: z.string().default('BTC:1,ETH:30,USDC:50000'),
  COOLING_OFF_HOURS: int(0, 24 * 30).default(24),
  REVIEW_EXPIRY_HOURS: int(1, 24 * 30).default(72),
  WITHDRAWAL_FEES: z.string().default('BTC:0.0001,ETH:0.001,USDC:2'),
  // JSON of { tier: { ASSET: { perWithdrawal, daily, monthly } } }; see docs/withdrawals.md.
  WITHDRAWAL_TIERS: z.string().optional(),
  DEFAULT_TIER: z.string().default('unverified'),
  RISK_THRESHOLDS: z.string().default('30,60,90'),
  CHAIN_ADAPTER: z.enum(['simulated', 'webhook']).default('simulated'),
  CHAIN_SIGNER_URL: z.url().optional(),
  CHAIN_SIGNER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CHAIN_CALLBACK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SIM_CHAIN_LATENCY_MS: int(0, 600_000).default(0),
  SIM_CHAIN_CONFIRM_SECONDS: int(0, 86_400).default(5),
  BROADCAST_LEASE_SECONDS: int(1, 3600).default(60),
  WITHDRAWAL_WORKER: bool.default(true),
  WITHDRAWAL_WORKER_INTERVAL_MS: int(50, 60_000).default(1000),
  DEVICE_APPROVAL_MINUTES: int(5, 24 * 60).default(30),
  SIGN_IN_CHALLENGE_MINUTES: int(1, 60).default(10),

  LOCKOUT_DELAY_AFTER: int(1, 100).default(3),
  LOCKOUT_MAX_DELAY_SECONDS: int(1, 3600).default(60),
  LOCKOUT_TEMP_THRESHOLD: int(3, 50).default(10),
  LOCKOUT_TEMP_MINUTES: int(1, 24 * 60).default(15),
  // NIST SP 800-63B 5.2.2: no more than 100 consecutive failed attempts.
  LOCKOUT_HARD_THRESHOLD: int(10, 100).default(100),

  RATE_LIMIT_IP_PER_MINUTE: int(1, 100_000).default(30),
  RATE_LIMIT_SUBNET_PER_MINUTE: int(1, 1_000_000).default(120),

  RECOVERY_WAIT_HOURS: int(1, 24 * 30).default(72),
  RECOVERY_WITHDRAWAL_FREEZE_HOURS: int(0, 24 * 30).default(48),
  SECURITY_CHANGE_FREEZE_HOURS: int(0, 24 * 30).default(24),

  WEBAUTHN_RP_ID: z.string().min(1).optional(),
  WEBAUTHN_RP_NAME: z.string().min(1).default('Custos'),
  MAX_PASSKEYS: int(1, 10).default(10),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config extends Readonly<Env> {
  readonly production: boolean;
  readonly publicUrl: string;
  readonly publicOrigin: string;
  readonly rpId: string;
  readonly secureCookies: boolean;
  readonly devMailbox: boolean;
  readonly kekFile: string;
  readonly auditSigningKeyFile: string;
  readonly porSigningKeyFile: string;
  readonly pgliteDir: string;
  readonly assets: readonly Asset[];
  readonly largeWithdrawals: AssetAmounts;
  readonly twoReviewersAbove: AssetAmounts;
  readonly withdrawalFees: AssetAmounts;
  readonly tiers: Tiers;
  readonly riskThresholds: RiskThresholds;
  readonly warnings: readonly string[];
}

/** The SPEC S1 minimum for argon2id; production refuses anything below it. */
export const ARGON2_MINIMUM = { memoryKiB: 19456, timeCost: 2, parallelism: 1 } as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  const warnings: string[] = [];

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const url = new URL(publicUrl);
  const weakArgon =
    e.ARGON2_MEMORY_KIB < ARGON2_MINIMUM.memoryKiB ||
    e.ARGON2_TIME_COST < ARGON2_MINIMUM.timeCost ||
    e.ARGON2_PARALLELISM < ARGON2_MINIMUM.parallelism;

  if (production) {
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL: required in production');
    else if (url.protocol !== 'https:') problems.push('PUBLIC_URL: must be https:// in production');
    if (weakArgon)
      problems.push(
        `ARGON2_MEMORY_KIB/ARGON2_TIME_COST/ARGON2_PARALLELISM: below the minimum m=${ARGON2_MINIMUM.memoryKiB},t=${ARGON2_MINIMUM.timeCost},p=${ARGON2_MINIMUM.parallelism}`,
      );
    if (!e.SMTP_URL) problems.push('SMTP_URL: required in production (the development mailbox is off there)');
    if (!e.KEK_FILE) problems.push('KEK_FILE: required in production (no key is generated for you)');
    if (!e.AUDIT_SIGNING_KEY_FILE) problems.push('AUDIT_SIGNING_KEY_FILE: required in production');
    if (!e.POR_SIGNING_KEY_FILE) problems.push('POR_SIGNING_KEY_FILE: required in production');
    if (e.PASSWORD_MIN_LENGTH < 12) problems.push('PASSWORD_MIN_LENGTH: must be at least 12 in production');
    if (e.ADDRESS_ACTIVATION_HOURS < 24)
      problems.push('ADDRESS_ACTIVATION_HOURS: must be at least 24 in production (SPEC S3)');
    if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: required when WEBHOOK_URL is set');
  } else {
    if (weakArgon)
      warnings.push('ARGON2_*: argon2id parameters below the SPEC minimum (allowed outside production)');
    if (e.PASSWORD_MIN_LENGTH < 12)
      warnings.push('PASSWORD_MIN_LENGTH: below 12 (allowed outside production)');
    if (!e.SMTP_URL) warnings.push('SMTP_URL: not set, emails go to the development mailbox at /dev/mailbox');
    if (e.ADDRESS_ACTIVATION_HOURS < 24)
      warnings.push('ADDRESS_ACTIVATION_HOURS: below 24 hours (allowed outside production)');
    if (!e.KEK_FILE) warnings.push('KEK_FILE: not set, a key-encryption key is generated in DATA_DIR');
  }
  let assets: readonly Asset[] = [];
  try {
    assets = parseAssets(e.ASSETS);
  } catch (err) {
    problems.push(`ASSETS: ${(err as Error).message}`);
  }
  const parseOr = <T>(name: string, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return fallback;
    }
  };
  const none: AssetAmounts = new Map();
  const largeWithdrawals = parseOr(
    'LARGE_WITHDRAWALS',
    () => parseAssetAmounts(e.LARGE_WITHDRAWALS, assets, raw.LARGE_WITHDRAWALS !== undefined),
    none,
  );
  const twoReviewersAbove = parseOr(
    'TWO_REVIEWERS_ABOVE',
    () => parseAssetAmounts(e.TWO_REVIEWERS_ABOVE, assets, raw.TWO_REVIEWERS_ABOVE !== undefined),
    none,
  );
  const withdrawalFees = parseOr(
    'WITHDRAWAL_FEES',
    () => parseAssetAmounts(e.WITHDRAWAL_FEES, assets, raw.WITHDRAWAL_FEES !== undefined),
    none,
  );
  const tiers = parseOr<Tiers>(
    'WITHDRAWAL_TIERS',
    () =>
      e.WITHDRAWAL_TIERS
        ? parseTiers(JSON.parse(e.WITHDRAWAL_TIERS), assets, true)
        : parseTiers(DEFAULT_TIERS_JSON, assets, false),
    new Map(),
  );
  if (tiers.size && !tiers.has(e.DEFAULT_TIER))
    problems.push(
      `DEFAULT_TIER: "${e.DEFAULT_TIER}" is not one of the tiers (${[...tiers.keys()].join(', ')})`,
    );
  const riskThresholds = parseOr('RISK_THRESHOLDS', () => parseThresholds(e.RISK_THRESHOLDS), {
    confirm: 30,
    review: 60,
    block: 90,
  });
  for (const a of assets) {
    if (tiers.size && ![...tiers.values()].some((t) => t.has(a.symbol)))
      warnings.push(`WITHDRAWAL_TIERS: no tier lists ${a.symbol}, so it cannot be withdrawn`);
    if (!largeWithdrawals.has(a.symbol))
      warnings.push(`LARGE_WITHDRAWALS: no value for ${a.symbol}, so none of its withdrawals cools off`);
  }
  if (!e.WHITELIST_ONLY)
    warnings.push('WHITELIST_ONLY: off, withdrawals may go to addresses outside the address book');
  if (e.WITHDRAWAL_EMAIL_CONFIRMATION === 'risk')
    warnings.push(
      'WITHDRAWAL_EMAIL_CONFIRMATION: risk, low-risk withdrawals leave without an email confirmation',
    );
  if (e.COOLING_OFF_HOURS < 24) {
    if (production) problems.push('COOLING_OFF_HOURS: must be at least 24 in production (SPEC S3)');
    else warnings.push('COOLING_OFF_HOURS: below 24 hours (allowed outside production)');
  }
  if (e.CHAIN_ADAPTER === 'webhook') {
    if (!e.CHAIN_SIGNER_URL) problems.push('CHAIN_SIGNER_URL: required with CHAIN_ADAPTER=webhook');
    if (!e.CHAIN_SIGNER_SECRET) problems.push('CHAIN_SIGNER_SECRET: required with CHAIN_ADAPTER=webhook');
    if (!e.CHAIN_CALLBACK_SECRET) problems.push('CHAIN_CALLBACK_SECRET: required with CHAIN_ADAPTER=webhook');
  } else if (production) {
    warnings.push('CHAIN_ADAPTER: simulated in production, nothing reaches a real chain');
  }
  if (e.TRUST_PROXY) warnings.push('TRUST_PROXY: client addresses are taken from X-Forwarded-For');
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET && !production)
    problems.push('WEBHOOK_SECRET: required when WEBHOOK_URL is set');
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    ...e,
    production,
    publicUrl,
    publicOrigin: url.origin,
    rpId: e.WEBAUTHN_RP_ID ?? url.hostname,
    // Browsers treat http://localhost as a secure context, so Secure cookies work there too.
    secureCookies: true,
    devMailbox: !production && !e.SMTP_URL,
    kekFile: e.KEK_FILE ? path.resolve(e.KEK_FILE) : path.join(dataDir, 'kek.key'),
    auditSigningKeyFile: e.AUDIT_SIGNING_KEY_FILE
      ? path.resolve(e.AUDIT_SIGNING_KEY_FILE)
      : path.join(dataDir, 'audit-signing.key'),
    porSigningKeyFile: e.POR_SIGNING_KEY_FILE
      ? path.resolve(e.POR_SIGNING_KEY_FILE)
      : path.join(dataDir, 'por-signing.key'),
    pgliteDir: path.join(dataDir, 'pgdata'),
    DATA_DIR: dataDir,
    assets: Object.freeze(assets.map((a) => Object.freeze({ ...a }))),
    largeWithdrawals,
    twoReviewersAbove,
    withdrawalFees,
    tiers,
    riskThresholds,
    warnings: Object.freeze(warnings),
  });
}
