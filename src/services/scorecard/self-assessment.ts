import type { Deps } from '../../deps.js';
import type { Manifest } from '../../domain/reserves/manifest.js';
import { ScorecardError } from '../../domain/scorecard/methodology.js';
import type { Evidence, Fact, Profile } from '../../domain/scorecard/profile.js';
import { verifyAuditLog } from '../audit/audit-log.js';
import { listSnapshots } from '../reserves/snapshots.js';
import { readProfileFile } from './profile-files.js';

/**
 * Self-assessment (SPEC S10): the platform Custos protects, scored from what Custos can see for
 * itself (its configuration, its proof-of-reserves snapshots, its audit chain) rather than from
 * what anyone says. Each live fact cites where it came from. What Custos cannot know (custody
 * arrangements, insurance, licences, the incident record, support) comes from an operator-edited
 * profile file, `SCORECARD_FACTS_FILE`, in the format of profiles/*.yaml; without it, those
 * facts stay unknown and earn nothing.
 *
 * The operator file may not state a fact Custos measures live: a platform cannot talk its way
 * past its own configuration.
 */

/** The facts measured live; an operator file that states one of them is refused. */
export const LIVE_FACTS = [
  'por.method',
  'por.liabilities_included',
  'por.frequency',
  'por.last_report_date',
  'por.user_verifiable',
  'por.reserve_ratio_pct',
  'app.mandatory_2fa',
  'app.phishing_resistant_mfa',
  'app.address_whitelist',
  'app.new_address_delay_hours',
  'app.withdrawal_lock',
  'app.anti_phishing_code',
  'app.device_management',
  'incident.tamper_evident_audit_log',
  'ux.security_center',
  'ux.security_notifications',
  'ux.one_tap_lock',
] as const;

export interface SelfAssessment {
  readonly profile: Profile;
  /** Where the operator facts came from (the file path), or null when none is configured. */
  readonly operatorFile: string | null;
}

const LIVE_SET = new Set<string>(LIVE_FACTS);

/**
 * Builds the platform's own profile, dated today (by the injected clock).
 * @throws ScorecardError when the operator file is unreadable, invalid, or states a live fact.
 */
export async function selfAssessment(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  options: { auditVerdict?: AuditVerdict } = {},
): Promise<SelfAssessment> {
  const now = deps.clock.now();
  const today = now.toISOString().slice(0, 10);
  const operator = await readOperatorFile(deps.config.SCORECARD_FACTS_FILE);
  const audit = options.auditVerdict ?? (await auditVerdict(deps));
  const live = await liveFacts(deps, today, audit);
  const facts: Record<string, Fact> = { ...(operator?.facts ?? {}), ...live };
  return {
    profile: {
      name: operator?.name ?? 'This platform',
      asOf: today,
      description:
        'Self-assessment by Custos: live facts from its configuration, proof-of-reserves snapshots and audit chain' +
        (operator
          ? `; the rest from the operator's file (reviewed ${operator.asOf}).`
          : '; nothing else is known.'),
      facts,
    },
    operatorFile: deps.config.SCORECARD_FACTS_FILE ?? null,
  };
}

export interface AuditVerdict {
  readonly intact: boolean;
  readonly events: number;
  readonly detail: string;
}

/** Verifies the audit chain and its signed checkpoints (the work of `custos audit verify`). */
export async function auditVerdict(deps: Pick<Deps, 'db'>): Promise<AuditVerdict> {
  const v = await verifyAuditLog(deps);
  const intact = v.ok && v.badCheckpointSignatures.length === 0;
  const events = v.count;
  return {
    intact,
    events,
    detail: intact
      ? `${events} events chained, ${v.checkpoints} signed checkpoints valid`
      : v.ok
        ? `checkpoint signatures invalid at ${v.badCheckpointSignatures.join(', ')}`
        : `chain broken at event ${String(v.seq)} (${v.kind})`,
  };
}

async function readOperatorFile(file: string | undefined): Promise<Profile | null> {
  if (!file) return null;
  const profile = await readProfileFile(file, `SCORECARD_FACTS_FILE ${file}`);
  const live = Object.keys(profile.facts).filter((k) => LIVE_SET.has(k));
  if (live.length > 0) {
    throw new ScorecardError(
      'INVALID_PROFILE',
      `${file}: ${live.join(', ')} ${live.length === 1 ? 'is' : 'are'} measured live by Custos; remove ${live.length === 1 ? 'it' : 'them'} from the operator file`,
    );
  }
  return profile;
}

async function liveFacts(
  deps: Pick<Deps, 'db' | 'config'>,
  today: string,
  audit: AuditVerdict,
): Promise<Record<string, Fact>> {
  const c = deps.config;
  const setting = (name: string, value: unknown) => `Custos configuration: ${name}=${String(value)}`;
  const fact = (value: Evidence['value'], source: string, note?: string): Evidence => ({
    value,
    source,
    date: today,
    ...(note ? { note } : {}),
  });
  const feature = (what: string) => `Custos ${what} (built in)`;

  const published = (await listSnapshots(deps, 400)).filter((s) => s.status === 'published' && s.manifest);
  const latest = published[0];
  const every = c.POR_SNAPSHOT_EVERY_HOURS;
  const snapshots = 'Custos proof-of-reserves snapshots (custos-por/1)';
  const por: Record<string, Fact> = latest
    ? {
        'por.method': fact('merkle_tree', snapshots, 'A Merkle sum tree of every customer balance, signed.'),
        'por.liabilities_included': fact(
          true,
          snapshots,
          'Liabilities are every customer balance in the ledger.',
        ),
        'por.frequency': fact(
          every === 0 ? 'once' : every <= 24 ? 'continuous' : 'monthly',
          setting('POR_SNAPSHOT_EVERY_HOURS', every),
          every === 0
            ? 'Snapshots are taken only on demand: no cadence is committed.'
            : `A snapshot every ${every} hours.`,
        ),
        'por.last_report_date': fact(
          latest.takenAt.toISOString().slice(0, 10),
          `${snapshots}: snapshot ${latest.id}`,
        ),
        'por.user_verifiable': fact(
          true,
          feature('security center: proofs download and verify in the browser'),
        ),
        'por.reserve_ratio_pct': lowestRatio(latest.manifest!, `${snapshots}: snapshot ${latest.id}`, today),
      }
    : {
        'por.method': fact('none', snapshots, 'No snapshot has been published yet.'),
        // A schedule earns nothing until it has published: the cadence is what was done.
        'por.frequency': fact(
          'never',
          snapshots,
          every === 0
            ? 'Snapshots are taken only on demand, and none has been.'
            : `Scheduled every ${every} hours; none published yet.`,
        ),
        ...Object.fromEntries(
          [
            'por.liabilities_included',
            'por.last_report_date',
            'por.user_verifiable',
            'por.reserve_ratio_pct',
          ].map((k) => [k, { value: 'unknown', note: 'No snapshot has been published yet.' }]),
        ),
      };
  return {
    ...por,
    'app.mandatory_2fa': fact(
      true,
      feature('withdrawal policy: MFA_REQUIRED'),
      'No withdrawal and no new withdrawal address without an enrolled second factor.',
    ),
    'app.phishing_resistant_mfa': fact(
      true,
      setting('MAX_PASSKEYS', c.MAX_PASSKEYS),
      `Passkeys and security keys (WebAuthn), up to ${c.MAX_PASSKEYS} per account.`,
    ),
    'app.address_whitelist': fact(
      c.WHITELIST_ONLY ? 'mandatory' : 'none',
      setting('WHITELIST_ONLY', c.WHITELIST_ONLY),
      c.WHITELIST_ONLY ? undefined : 'Withdrawals may go to addresses outside the address book.',
    ),
    'app.new_address_delay_hours': fact(
      c.ADDRESS_ACTIVATION_HOURS,
      setting('ADDRESS_ACTIVATION_HOURS', c.ADDRESS_ACTIVATION_HOURS),
    ),
    'app.withdrawal_lock': fact(
      true,
      feature('withdrawal lock'),
      'Turning it off takes effect 24 hours later.',
    ),
    'app.anti_phishing_code': fact(true, feature('anti-phishing code in every email')),
    'app.device_management': fact(true, feature('security center: devices and sessions')),
    'incident.tamper_evident_audit_log': fact(audit.intact, 'Custos audit chain verification', audit.detail),
    'ux.security_center': fact(true, feature('security center')),
    'ux.security_notifications': fact(
      true,
      feature('notifications'),
      'Email (with the anti-phishing code) and signed webhooks for sign-ins, security changes and withdrawals.',
    ),
    'ux.one_tap_lock': fact(true, feature('one-button lock and the “this wasn’t me” link in every email')),
  };
}

/** The lowest reserve ratio of the snapshot, in percent; assets owing nothing do not count. */
function lowestRatio(m: Manifest, source: string, today: string): Fact {
  const ratios = m.assets
    .filter((a) => a.reserve_ratio !== null)
    .map((a) => ({ asset: a.asset, pct: Number(a.reserve_ratio) * 100 }));
  if (ratios.length === 0)
    return { value: 'unknown', note: 'No asset had liabilities in the last snapshot.' };
  const low = ratios.reduce((a, b) => (b.pct < a.pct ? b : a));
  return {
    value: Math.round(low.pct * 100) / 100,
    source,
    date: today,
    note: `Lowest: ${low.asset}. ${ratios.map((r) => `${r.asset} ${(Math.round(r.pct * 100) / 100).toString()}%`).join(', ')}.`,
  };
}
