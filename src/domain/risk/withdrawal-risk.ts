/**
 * The first risk rules of SPEC S4 for withdrawals. Each rule is a pure function of facts the
 * service gathers; it either stays silent or returns its weight and a reason in plain words.
 * The score is the sum of the weights (capped at 100), and the thresholds map it to a decision.
 * Rules and weights form a versioned rule set, so every decision records which set produced it.
 */
export interface RiskFacts {
  readonly now: Date;
  readonly amount: bigint;
  /** When the destination entered the address book (null: it is not in the book). */
  readonly addressAddedAt: Date | null;
  /** Amounts of this user's earlier withdrawals of the asset in the last 90 days. */
  readonly recentAmounts: readonly bigint[];
  /** How many withdrawals this user ever requested (any asset, any outcome but rejected by policy). */
  readonly previousWithdrawals: number;
  /** Withdrawals this user requested in the last hour. */
  readonly lastHourCount: number;
  readonly securityChangedAt: Date | null;
  /** When the device of this session was approved (null: no device, e.g. an API client). */
  readonly deviceApprovedAt: Date | null;
  /** Other accounts that sent to the address in the last 24 hours or keep it in their address book. */
  readonly otherAccountsToAddress: number;
}

export interface RiskHit {
  readonly rule: string;
  readonly weight: number;
  readonly reason: string;
}

export interface RiskRule {
  readonly id: string;
  /** The default weight; a rule set may override it. */
  readonly weight: number;
  readonly evaluate: (f: RiskFacts) => { reason: string; weight?: number } | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The median of amounts (the lower middle for an even count): robust to one odd withdrawal. */
export function median(values: readonly bigint[]): bigint | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export const WITHDRAWAL_RULES: readonly RiskRule[] = [
  {
    id: 'new_address',
    weight: 20,
    evaluate: (f) => {
      if (!f.addressAddedAt) return { reason: 'The address is not in your address book.', weight: 35 };
      return f.now.getTime() - f.addressAddedAt.getTime() < 7 * DAY
        ? { reason: 'The address was added to your address book less than 7 days ago.' }
        : null;
    },
  },
  {
    id: 'unusual_amount',
    weight: 25,
    evaluate: (f) => {
      const usual = median(f.recentAmounts);
      if (usual === null || usual === 0n) return null;
      if (f.amount > usual * 10n)
        return { reason: 'The amount is more than ten times your usual withdrawal.' };
      if (f.amount > usual * 3n)
        return { reason: 'The amount is more than three times your usual withdrawal.', weight: 10 };
      return null;
    },
  },
  {
    id: 'first_withdrawal',
    weight: 15,
    evaluate: (f) =>
      f.previousWithdrawals === 0 ? { reason: 'This is the first withdrawal of the account.' } : null,
  },
  {
    id: 'velocity',
    weight: 20,
    evaluate: (f) => {
      if (f.lastHourCount >= 10)
        return { reason: 'Ten or more withdrawals were requested in the last hour.', weight: 45 };
      return f.lastHourCount >= 3
        ? { reason: 'Three or more withdrawals were requested in the last hour.' }
        : null;
    },
  },
  {
    id: 'recent_security_change',
    weight: 25,
    evaluate: (f) =>
      f.securityChangedAt && f.now.getTime() - f.securityChangedAt.getTime() < 3 * DAY
        ? { reason: 'Your password, email or a second factor changed in the last 3 days.' }
        : null,
  },
  {
    id: 'new_device',
    weight: 20,
    evaluate: (f) =>
      f.deviceApprovedAt && f.now.getTime() - f.deviceApprovedAt.getTime() < DAY
        ? { reason: 'This device signed in to the account for the first time in the last 24 hours.' }
        : null,
  },
  {
    id: 'shared_destination',
    weight: 60,
    evaluate: (f) => {
      if (f.otherAccountsToAddress >= 10)
        return {
          reason: 'Many other accounts send to this address or keep it in their address book.',
          weight: 100,
        };
      return f.otherAccountsToAddress >= 2
        ? { reason: 'Several other accounts send to this address or keep it in their address book.' }
        : null;
    },
  },
];

export type RiskDecision = 'allow' | 'confirm' | 'review' | 'block';

export interface RiskThresholds {
  readonly confirm: number;
  readonly review: number;
  readonly block: number;
}

export const DEFAULT_THRESHOLDS: RiskThresholds = { confirm: 30, review: 60, block: 90 };

export interface RuleSet {
  readonly version: string;
  readonly rules: readonly RiskRule[];
  readonly weights: Readonly<Record<string, number>>;
  readonly thresholds: RiskThresholds;
}

export const DEFAULT_RULE_SET: RuleSet = {
  version: 'withdrawal-rules/1',
  rules: WITHDRAWAL_RULES,
  weights: {},
  thresholds: DEFAULT_THRESHOLDS,
};

export function parseThresholds(spec: string): RiskThresholds {
  const parts = spec.split(',').map((s) => s.trim());
  const n = parts.map(Number);
  if (
    n.length !== 3 ||
    n.some((x) => !Number.isInteger(x) || x < 1 || x > 100) ||
    !(n[0]! < n[1]! && n[1]! < n[2]!)
  )
    throw new Error(
      'must be three increasing whole numbers from 1 to 100: confirm,review,block (e.g. 30,60,90)',
    );
  return { confirm: n[0]!, review: n[1]!, block: n[2]! };
}

export interface RiskAssessment {
  readonly ruleSet: string;
  readonly score: number;
  readonly decision: RiskDecision;
  readonly hits: readonly RiskHit[];
}

/**
 * Scores a withdrawal. A rule's own weight for a stronger variant (e.g. ten withdrawals in an
 * hour rather than three) is scaled by the set's override of the rule's base weight.
 */
export function assessWithdrawal(f: RiskFacts, set: RuleSet = DEFAULT_RULE_SET): RiskAssessment {
  const hits: RiskHit[] = [];
  for (const rule of set.rules) {
    const r = rule.evaluate(f);
    if (!r) continue;
    const base = set.weights[rule.id] ?? rule.weight;
    const weight = Math.round(((r.weight ?? rule.weight) * base) / rule.weight);
    if (weight > 0) hits.push({ rule: rule.id, weight, reason: r.reason });
  }
  const score = Math.min(
    100,
    hits.reduce((s, h) => s + h.weight, 0),
  );
  return { ruleSet: set.version, score, decision: decide(score, set.thresholds), hits };
}

export function decide(score: number, t: RiskThresholds): RiskDecision {
  if (score >= t.block) return 'block';
  if (score >= t.review) return 'review';
  if (score >= t.confirm) return 'confirm';
  return 'allow';
}
