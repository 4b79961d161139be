import { criteriaFor, steps, type Criterion } from './criterion.js';
import { PILLAR_IDS, type PillarId } from './methodology.js';

/**
 * The written rubric: for each pillar, the criteria and their points (10 per pillar). The ids
 * are stable: reports, golden files and docs/scorecard-methodology.md refer to them, so a change
 * of meaning takes a new id rather than an edit.
 *
 * Thresholds favour what a customer can check over what a platform says: a disclosed number
 * beats an adjective, an outside auditor beats a self-published list, a recent report beats an
 * old one.
 */

const custody = criteriaFor('custody');
const por = criteriaFor('proof_of_reserves');
const insurance = criteriaFor('insurance');
const regulation = criteriaFor('regulation');
const app = criteriaFor('app_security');
const incident = criteriaFor('incident_response');
const ux = criteriaFor('user_experience');
const support = criteriaFor('support');

const CUSTODY: readonly Criterion[] = [
  custody.number({
    id: 'custody.cold_storage_share',
    points: 3,
    range: [0, 100],
    title: 'Share of customer assets in cold storage, as disclosed (percent)',
    why: 'Keys kept offline cannot be drained by an online attack; only a disclosed figure can be checked.',
    score: steps(
      [
        [(n) => n >= 95, 3, 'At least 95% of customer assets are disclosed as held offline.'],
        [(n) => n >= 80, 2, 'At least 80% of customer assets are disclosed as held offline.'],
        [(n) => n >= 50, 1, 'At least half of customer assets are disclosed as held offline.'],
      ],
      'Less than half of customer assets are disclosed as held offline.',
    ),
  }),
  custody.yesNo({
    id: 'custody.multisig_or_mpc',
    points: 2,
    title: 'Withdrawals from platform wallets need several keys (multi-signature or MPC)',
    why: 'No single stolen key or single insider can move funds alone.',
    yes: 'Platform wallets require several independent key holders to sign.',
    no: 'Platform wallets can be signed by a single key.',
  }),
  custody.yesNo({
    id: 'custody.hsm',
    points: 2,
    title: 'Signing keys are kept in hardware security modules',
    why: 'Keys generated and used inside tamper-resistant hardware cannot be copied off a server.',
    yes: 'Signing keys are protected by hardware security modules.',
    no: 'Signing keys are not stated to be in hardware security modules.',
  }),
  custody.yesNo({
    id: 'custody.third_party_custodian',
    points: 1,
    title: 'An independent qualified custodian holds part of the assets',
    why: 'A separate custodian adds its own controls and audits, and survives trouble at the platform.',
    yes: 'An independent custodian holds some customer assets.',
    no: 'The platform holds all customer assets itself.',
  }),
  custody.yesNo({
    id: 'custody.segregated_accounts',
    points: 2,
    title: 'Customer assets are segregated from the platform’s own',
    why: 'Segregated assets are harder to lend out or lose to the platform’s creditors in an insolvency.',
    yes: 'Customer assets are held apart from the platform’s own assets.',
    no: 'Customer assets are not stated to be held apart from the platform’s own.',
  }),
];

const PROOF_OF_RESERVES: readonly Criterion[] = [
  por.choice({
    id: 'por.method',
    points: 2,
    title: 'How reserves are proven',
    why: 'A proof that each customer can check against a committed total says more than a list of wallets.',
    table: {
      zk_proof: { points: 2, reason: 'A zero-knowledge proof shows the liabilities tree sums correctly.' },
      merkle_tree: { points: 1.5, reason: 'A Merkle tree of balances lets each customer find their leaf.' },
      attestation: { points: 1, reason: 'An accountant’s attestation, without per-customer proofs.' },
      wallet_disclosure: { points: 0.5, reason: 'Only a list of platform wallets: assets, not liabilities.' },
      none: { points: 0, reason: 'No proof of reserves is published.' },
    },
  }),
  por.yesNo({
    id: 'por.liabilities_included',
    points: 1.5,
    title: 'The proof covers liabilities to customers, not only assets',
    why: 'Reserves mean nothing without what is owed; assets alone can hide a hole.',
    yes: 'The proof compares assets with customer liabilities.',
    no: 'The proof shows assets only.',
  }),
  por.name({
    id: 'por.auditor',
    points: 1,
    title: 'An independent firm examined the proof',
    why: 'An outside examiner checks what a platform cannot credibly check for itself.',
    named: (name) => `Examined by ${name}.`,
    none: 'No independent firm examined the proof.',
  }),
  por.choice({
    id: 'por.frequency',
    points: 1.5,
    title: 'How often a full proof is published',
    why: 'A single snapshot can be dressed up for the day; a regular cadence is much harder to fake.',
    table: {
      continuous: { points: 1.5, reason: 'Proofs are published continuously or daily.' },
      monthly: { points: 1.5, reason: 'Proofs are published monthly.' },
      quarterly: { points: 1, reason: 'Proofs are published quarterly.' },
      semiannual: { points: 0.5, reason: 'Proofs are published twice a year.' },
      yearly: { points: 0.5, reason: 'Proofs are published once a year.' },
      once: { points: 0, reason: 'A proof was published once, with no cadence since.' },
      never: { points: 0, reason: 'No proof has been published.' },
    },
  }),
  por.date({
    id: 'por.last_report_date',
    points: 1.5,
    title: 'Age of the most recent full proof, on the assessment date',
    why: 'Balances move every day; an old proof says little about today.',
    score: steps(
      [
        [(d) => d <= 45, 1.5, 'The last proof is at most 45 days old.'],
        [(d) => d <= 100, 1, 'The last proof is at most 100 days old.'],
        [(d) => d <= 200, 0.5, 'The last proof is at most 200 days old.'],
      ],
      'The last proof is more than 200 days old.',
    ),
  }),
  por.yesNo({
    id: 'por.user_verifiable',
    points: 1,
    title: 'A customer can verify their own balance is included',
    why: 'Customers checking their own inclusion is what stops liabilities being left out.',
    yes: 'Each customer can verify their balance is included in the latest proof.',
    no: 'Customers cannot verify their own inclusion in the latest proof.',
  }),
  por.number({
    id: 'por.reserve_ratio_pct',
    points: 1.5,
    range: [0, 1_000_000],
    title: 'Lowest reserve ratio of any asset in the last proof (percent)',
    why: 'A proof is only good news when reserves cover liabilities for every asset, not on average.',
    score: steps(
      [[(r) => r >= 100, 1.5, 'Reserves cover liabilities for every asset in the last proof.']],
      'For at least one asset the last proof shows reserves below liabilities.',
    ),
  }),
];

const INSURANCE: readonly Criterion[] = [
  insurance.number({
    id: 'insurance.amount_usd',
    points: 4,
    range: [0, 1e13],
    title: 'Insurance cover for customer assets (US dollars)',
    why: 'Cover sized to the assets at risk can make customers whole after a theft.',
    score: steps(
      [
        [(n) => n >= 500e6, 4, 'Cover of at least USD 500 million.'],
        [(n) => n >= 100e6, 3, 'Cover of at least USD 100 million.'],
        [(n) => n >= 10e6, 2, 'Cover of at least USD 10 million.'],
        [(n) => n > 0, 1, 'Some cover, under USD 10 million.'],
      ],
      'No insurance cover for customer assets.',
    ),
  }),
  insurance.name({
    id: 'insurance.underwriter',
    points: 2,
    title: 'The insurer is named',
    why: 'A named underwriter can be checked; an unnamed "insurance fund" cannot.',
    named: (name) => `Underwritten by ${name}.`,
    none: 'No underwriter is named.',
  }),
  insurance.yesNo({
    id: 'insurance.exclusions_disclosed',
    points: 1,
    title: 'What the policy excludes is published',
    why: 'Cover limited to cold storage, or excluding account takeovers, protects customers far less than its headline amount suggests.',
    yes: 'The exclusions of the policy are published.',
    no: 'The exclusions of the policy are not published.',
  }),
  insurance.yesNo({
    id: 'insurance.retail_protection',
    points: 3,
    title: 'A protection programme compensates individual customers for unauthorised access',
    why: 'Most thefts hit single accounts, which policies on platform wallets do not cover.',
    yes: 'A programme compensates retail customers for unauthorised account access.',
    no: 'No programme compensates retail customers for unauthorised account access.',
  }),
];

const REGULATION: readonly Criterion[] = [
  regulation.list({
    id: 'regulation.licences',
    points: 3,
    title: 'Licences and registrations held (one per regulator and jurisdiction)',
    why: 'Each supervisor adds rules on custody, capital and conduct, and a place to complain.',
    score: (items) => {
      // "FCA", "fca " and "FCA" are one licence.
      const n = new Set(items.map((s) => s.trim().replace(/\s+/g, ' ').toLowerCase())).size;
      return n === 0
        ? { points: 0, reason: 'No licence or registration is held.' }
        : { points: Math.min(3, n), reason: `${n} licence${n === 1 ? '' : 's'} or registrations held.` };
    },
  }),
  regulation.yesNo({
    id: 'regulation.mica_authorised',
    points: 2,
    title: 'Authorised as a crypto-asset service provider under MiCA',
    why: 'MiCA authorisation brings custody segregation, capital and complaint-handling duties under EU law.',
    yes: 'Authorised as a crypto-asset service provider under MiCA.',
    no: 'Not authorised under MiCA.',
  }),
  regulation.yesNo({
    id: 'regulation.verifiable_in_register',
    points: 2,
    title: 'Each licence can be found in the regulator’s public register',
    why: 'A licence claimed on a website but absent from the register is worth nothing.',
    yes: 'The licences are listed in the regulators’ public registers.',
    no: 'The licences could not be confirmed in the regulators’ registers.',
  }),
  regulation.list({
    id: 'regulation.security_certifications',
    points: 1,
    title: 'Independent security certifications held (e.g. ISO/IEC 27001, SOC 2 Type II)',
    why: 'An outside auditor has examined the security programme against a published standard.',
    score: (items) =>
      items.length === 0
        ? { points: 0, reason: 'No independent security certification is held.' }
        : { points: 1, reason: `Certified: ${[...new Set(items)].join(', ')}.` },
  }),
  regulation.number({
    id: 'regulation.enforcement_actions_5y',
    points: 2,
    range: [0, 1000],
    integer: true,
    title: 'Regulatory enforcement actions in the last five years',
    why: 'Fines and orders show where the controls failed in the eyes of a supervisor.',
    score: steps(
      [
        [(n) => n === 0, 2, 'No enforcement action in five years.'],
        [(n) => n === 1, 1, 'One enforcement action in five years.'],
      ],
      'Several enforcement actions in five years.',
    ),
  }),
];

const APP_SECURITY: readonly Criterion[] = [
  app.yesNo({
    id: 'app.mandatory_2fa',
    points: 2,
    title: 'A second factor is mandatory for every account',
    why: 'An optional second factor leaves the accounts of the least careful customers one password away from theft.',
    yes: 'Every account must use a second factor.',
    no: 'A second factor is optional.',
  }),
  app.yesNo({
    id: 'app.phishing_resistant_mfa',
    points: 2,
    title: 'Passkeys or hardware security keys are supported',
    why: 'They cannot be phished or replayed the way codes can.',
    yes: 'Passkeys or hardware security keys can be used.',
    no: 'No phishing-resistant factor is offered.',
  }),
  app.choice({
    id: 'app.address_whitelist',
    points: 1,
    title: 'Withdrawals go only to addresses in an address book',
    why: 'An attacker inside an account must first add their own address, which can be noticed.',
    table: {
      mandatory: { points: 1, reason: 'Withdrawals go only to address-book entries, for every account.' },
      optional: { points: 0.5, reason: 'Customers can restrict withdrawals to their address book.' },
      none: { points: 0, reason: 'Withdrawals can go to any address.' },
    },
  }),
  app.number({
    id: 'app.new_address_delay_hours',
    points: 1,
    range: [0, 24 * 365],
    title: 'Hours before a newly added withdrawal address can be used',
    why: 'The delay gives the real owner time to see the alert and stop a theft.',
    score: steps(
      [
        [(h) => h >= 24, 1, 'A new address waits at least 24 hours.'],
        [(h) => h > 0, 0.5, 'A new address waits less than 24 hours.'],
      ],
      'A new address can be used at once.',
    ),
  }),
  app.yesNo({
    id: 'app.withdrawal_lock',
    points: 1,
    title: 'A customer can lock withdrawals, and unlocking takes time',
    why: 'A lock that an intruder cannot lift at once protects funds even after a full account takeover.',
    yes: 'Customers can lock withdrawals, and lifting the lock is delayed.',
    no: 'There is no delayed-release withdrawal lock.',
  }),
  app.yesNo({
    id: 'app.anti_phishing_code',
    points: 1,
    title: 'Official emails carry a customer-chosen code or a signature',
    why: 'Customers can tell a real email from a phishing copy.',
    yes: 'Official emails can be authenticated (anti-phishing code or signature).',
    no: 'Official emails cannot be told apart from copies.',
  }),
  app.yesNo({
    id: 'app.device_management',
    points: 1,
    title: 'Customers see and revoke the devices and sessions on their account',
    why: 'An unknown device is the first sign of a takeover, and revoking it ends the intrusion.',
    yes: 'Devices and sessions are listed and can be revoked.',
    no: 'Devices and sessions cannot be reviewed.',
  }),
  app.yesNo({
    id: 'app.api_key_restrictions',
    points: 1,
    title: 'API keys can be limited in scope and to IP addresses',
    why: 'A leaked key that can only read, or only from one address, cannot drain the account.',
    yes: 'API keys can be scoped and restricted to IP addresses.',
    no: 'API keys cannot be restricted.',
  }),
];

const INCIDENT_RESPONSE: readonly Criterion[] = [
  incident.number({
    id: 'incident.major_incidents_5y',
    points: 3,
    range: [0, 1000],
    integer: true,
    title: 'Incidents with customer or platform losses in the last five years',
    why: 'The record is the best evidence of how the controls hold up against real attackers.',
    score: steps(
      [
        [(n) => n === 0, 3, 'No incident with losses in five years.'],
        [(n) => n === 1, 2, 'One incident with losses in five years.'],
        [(n) => n === 2, 1, 'Two incidents with losses in five years.'],
      ],
      'Three or more incidents with losses in five years.',
    ),
  }),
  incident.choice({
    id: 'incident.reimbursement',
    points: 2.5,
    title: 'Whether customers were made whole after incidents',
    why: 'Customers who are reimbursed lose nothing, whatever the cause.',
    table: {
      full: { points: 2.5, reason: 'Affected customers were reimbursed in full.' },
      no_losses: { points: 2.5, reason: 'No incident caused customer losses.' },
      partial: { points: 1, reason: 'Affected customers were reimbursed in part.' },
      none: { points: 0, reason: 'Affected customers were not reimbursed.' },
    },
  }),
  incident.choice({
    id: 'incident.disclosure_speed',
    points: 1.5,
    title: 'How fast the last incident was disclosed publicly',
    why: 'Prompt disclosure lets customers protect themselves and shows the platform does not hide losses.',
    table: {
      within_24h: { points: 1.5, reason: 'The last incident was disclosed within 24 hours.' },
      no_incident: { points: 1.5, reason: 'There was no incident to disclose.' },
      within_72h: { points: 1, reason: 'The last incident was disclosed within 72 hours.' },
      slower: { points: 0, reason: 'The last incident took more than 72 hours to disclose.' },
    },
  }),
  incident.yesNo({
    id: 'incident.bug_bounty',
    points: 1,
    title: 'A public bug bounty programme',
    why: 'It pays researchers to report flaws instead of selling them.',
    yes: 'A public bug bounty programme runs.',
    no: 'There is no public bug bounty programme.',
  }),
  incident.yesNo({
    id: 'incident.status_page',
    points: 1,
    title: 'A public status page with incident history',
    why: 'Customers can tell an outage from a problem with their account, and see the past record.',
    yes: 'A public status page keeps an incident history.',
    no: 'There is no public status page with history.',
  }),
  incident.yesNo({
    id: 'incident.tamper_evident_audit_log',
    points: 1,
    title: 'Security events are kept in a tamper-evident audit log that verifies intact',
    why: 'After an incident, the record of what happened must be one nobody could quietly rewrite.',
    yes: 'The audit log is hash-chained and verifies intact.',
    no: 'There is no tamper-evident audit log, or it does not verify.',
  }),
];

const USER_EXPERIENCE: readonly Criterion[] = [
  ux.yesNo({
    id: 'ux.security_center',
    points: 2,
    title: 'Security settings are gathered in one visible place',
    why: 'Controls that are hard to find are not used.',
    yes: 'Security settings are gathered in one place.',
    no: 'Security settings are scattered or hidden.',
  }),
  ux.yesNo({
    id: 'ux.security_notifications',
    points: 2,
    title: 'Alerts for sign-ins, security changes and withdrawals',
    why: 'An alert turns a silent theft into one the owner can stop.',
    yes: 'Customers are alerted to sign-ins, security changes and withdrawals.',
    no: 'Customers are not alerted to security events.',
  }),
  ux.yesNo({
    id: 'ux.one_tap_lock',
    points: 2,
    title: 'A customer can freeze their account in one step',
    why: 'During an attack, seconds matter more than forms.',
    yes: 'The account can be frozen in one step.',
    no: 'Freezing the account takes a support request.',
  }),
  ux.yesNo({
    id: 'ux.official_channel_check',
    points: 2,
    title: 'Customers can check whether a link, email or handle is official',
    why: 'Impersonation is the most common way customers are tricked into sending funds.',
    yes: 'A tool confirms whether a channel is official.',
    no: 'There is no way to confirm whether a channel is official.',
  }),
  ux.number({
    id: 'ux.app_store_rating',
    points: 2,
    range: [0, 5],
    title: 'Average app store rating (out of 5)',
    why: 'Many ratings together show how usable the app is in everyday use.',
    score: steps(
      [
        [(r) => r >= 4.5, 2, 'Rated at least 4.5 out of 5.'],
        [(r) => r >= 4, 1.5, 'Rated at least 4 out of 5.'],
        [(r) => r >= 3.5, 1, 'Rated at least 3.5 out of 5.'],
        [(r) => r >= 3, 0.5, 'Rated at least 3 out of 5.'],
      ],
      'Rated under 3 out of 5.',
    ),
  }),
];

const SUPPORT: readonly Criterion[] = [
  support.yesNo({
    id: 'support.live_chat_24_7',
    points: 3,
    title: 'Live support around the clock',
    why: 'Account takeovers do not keep office hours.',
    yes: 'Live support is available at any hour.',
    no: 'Live support is not available at all hours.',
  }),
  support.number({
    id: 'support.first_response_minutes',
    points: 2,
    range: [0, 60 * 24 * 365],
    title: 'Typical time to a first answer from a person (minutes)',
    why: 'A quick first answer is what lets a customer stop a theft in progress.',
    score: steps(
      [
        [(m) => m <= 15, 2, 'A person answers within 15 minutes.'],
        [(m) => m <= 60, 1, 'A person answers within an hour.'],
      ],
      'A first answer takes more than an hour.',
    ),
  }),
  support.number({
    id: 'support.complaint_deadline_days',
    points: 2,
    range: [0, 365],
    title: 'Published deadline for answering a formal complaint (working days)',
    why: 'A written deadline is a commitment customers and regulators can hold the platform to.',
    score: steps(
      [
        [(d) => d <= 15, 2, 'Complaints are answered within 15 working days.'],
        [(d) => d <= 35, 1, 'Complaints are answered within 35 working days.'],
      ],
      'Complaints take more than 35 working days.',
    ),
  }),
  support.yesNo({
    id: 'support.escalation_path',
    points: 2,
    title: 'A published path to escalate beyond first-line support',
    why: 'Stuck cases need a way out of the chat loop.',
    yes: 'Cases can be escalated beyond first-line support.',
    no: 'There is no published escalation path.',
  }),
  support.yesNo({
    id: 'support.fraud_team',
    points: 1,
    title: 'Security specialists handle fraud and takeover cases',
    why: 'Fraud cases need people who can freeze, trace and recover, not scripts.',
    yes: 'Fraud and takeover cases go to security specialists.',
    no: 'Fraud cases stay with general support.',
  }),
];

/** Every pillar's criteria, in report order. */
export const RUBRIC: Readonly<Record<PillarId, readonly Criterion[]>> = {
  custody: CUSTODY,
  proof_of_reserves: PROOF_OF_RESERVES,
  insurance: INSURANCE,
  regulation: REGULATION,
  app_security: APP_SECURITY,
  incident_response: INCIDENT_RESPONSE,
  user_experience: USER_EXPERIENCE,
  support: SUPPORT,
};

/** All criteria in report order. */
export const ALL_CRITERIA: readonly Criterion[] = PILLAR_IDS.flatMap((id) => RUBRIC[id]);
