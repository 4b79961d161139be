/**
 * The per-user security checkup (SPEC S1): a checklist after the source's "5-minute essentials"
 * and "20-minute advanced setup", a score, and whether the account meets the conditions of the
 * platform's account protection programme.
 *
 * The one-button lock is deliberately not an item: it is an emergency action, not a setting one
 * can have "done", so the security center presents it on its own.
 */

export interface CheckupInput {
  now: Date;
  totpEnabled: boolean;
  passkeyCount: number;
  backupCodesRemaining: number;
  antiPhishingCodeSet: boolean;
  withdrawalLockOn: boolean | null;
  whitelistOn: boolean | null;
  trustedDeviceCount: number;
  staleDeviceCount: number;
  staleApiKeyCount: number | null;
  settingsLocked: boolean;
  ipAllowlistSet: boolean;
  mfaSince: Date | null;
  antiPhishingSince: Date | null;
  protectionProgrammeDays: number;
}
// null = the platform does not offer that control yet: the item is listed as not available and
// does not count in the score.

export interface CheckupItem {
  id: string;
  group: 'essentials' | 'advanced';
  title: string;
  description: string;
  done: boolean;
  available: boolean;
  weight: number;
  settingPath: string;
}

export interface CheckupResult {
  /** 0..100, integer, over available items by weight. */
  score: number;
  items: CheckupItem[];
  /** `eligibleFrom` is an ISO time. */
  protectionProgramme: { eligible: boolean; missing: string[]; eligibleFrom: string | null };
}

/** The programme of the source platform: MFA and anti-phishing code set 21 days before an incident. */
export const DEFAULT_PROTECTION_PROGRAMME_DAYS = 21;

const DAY_MS = 86_400_000;

type ItemSpec = Omit<CheckupItem, 'done' | 'available'> & { state: (i: CheckupInput) => boolean | null };

// Weights put what stops the common attacks (stolen password, phishing, draining withdrawals)
// first; the IP allow-list is optional and weighs least.
const ITEMS: readonly ItemSpec[] = [
  {
    id: 'totp',
    group: 'essentials',
    title: 'Turn on an authenticator app',
    description: 'A code from your phone is needed at sign-in, so a stolen password alone is not enough.',
    weight: 20,
    settingPath: '/security/totp',
    state: (i) => i.totpEnabled,
  },
  {
    id: 'anti-phishing',
    group: 'essentials',
    title: 'Set an anti-phishing code',
    description: 'Every genuine email from us shows your code; a message without it is not from us.',
    weight: 10,
    settingPath: '/security/anti-phishing',
    state: (i) => i.antiPhishingCodeSet,
  },
  {
    id: 'withdrawal-lock',
    group: 'essentials',
    title: 'Turn on the withdrawal lock',
    description: 'Nothing can leave your account until you lift the lock yourself.',
    weight: 10,
    settingPath: '/security/withdrawal-lock',
    state: (i) => i.withdrawalLockOn,
  },
  {
    id: 'devices',
    group: 'essentials',
    title: 'Review your devices',
    description: 'Mark the devices you use as trusted and remove the ones you no longer use.',
    weight: 10,
    settingPath: '/security/devices',
    state: (i) => i.trustedDeviceCount > 0 && i.staleDeviceCount === 0,
  },
  {
    id: 'passkeys',
    group: 'advanced',
    title: 'Add a passkey or hardware security key',
    description: 'It only works on our real website, so a fake sign-in page cannot use it.',
    weight: 15,
    settingPath: '/security/passkeys',
    state: (i) => i.passkeyCount > 0,
  },
  {
    id: 'whitelist',
    group: 'advanced',
    title: 'Allow withdrawals only to saved addresses',
    description: 'A new address must wait before it can be used, giving you time to stop a thief.',
    weight: 10,
    settingPath: '/security/addresses',
    state: (i) => i.whitelistOn,
  },
  {
    id: 'backup-codes',
    group: 'advanced',
    title: 'Save your backup codes',
    description: 'Keep them offline: they let you in if you lose your phone or security key.',
    weight: 10,
    settingPath: '/security/backup-codes',
    state: (i) => i.backupCodesRemaining > 0,
  },
  {
    id: 'api-keys',
    group: 'advanced',
    title: 'Remove unused API keys',
    description: 'A key you no longer use is a way in that nobody is watching.',
    weight: 5,
    settingPath: '/security/api-keys',
    state: (i) => (i.staleApiKeyCount === null ? null : i.staleApiKeyCount === 0),
  },
  {
    id: 'settings-lock',
    group: 'advanced',
    title: 'Lock your security settings',
    description:
      'Changes take effect only after a delay you choose, so an intruder cannot quietly undo them.',
    weight: 5,
    settingPath: '/security/settings-lock',
    state: (i) => i.settingsLocked,
  },
  {
    id: 'ip-allowlist',
    group: 'advanced',
    title: 'Limit sign-in to your own networks (optional)',
    description: 'Sign-in is refused from any address outside the list you set.',
    weight: 2,
    settingPath: '/security/ip-allowlist',
    state: (i) => i.ipAllowlistSet,
  },
];

function protectionProgramme(input: CheckupInput): CheckupResult['protectionProgramme'] {
  const days = input.protectionProgrammeDays;
  if (!Number.isFinite(days) || days < 0) throw new RangeError('protectionProgrammeDays must be >= 0');
  // The caller's `since` dates only count while the control is actually on.
  const mfaOn = input.totpEnabled || input.passkeyCount > 0;
  const mfaSince = mfaOn ? input.mfaSince : null;
  const antiPhishingSince = input.antiPhishingCodeSet ? input.antiPhishingSince : null;
  const metAt = (since: Date | null) => (since === null ? null : since.getTime() + days * DAY_MS);
  const mfaMet = metAt(mfaSince);
  const antiPhishingMet = metAt(antiPhishingSince);
  const now = input.now.getTime();
  const missing: string[] = [];
  if (mfaMet === null) missing.push('Turn on an authenticator app or add a passkey.');
  else if (mfaMet > now) missing.push(`Keep two-factor authentication on for ${days} days.`);
  if (antiPhishingMet === null) missing.push('Set an anti-phishing code.');
  else if (antiPhishingMet > now) missing.push(`Keep your anti-phishing code set for ${days} days.`);
  const eligibleFrom =
    mfaMet === null || antiPhishingMet === null
      ? null
      : new Date(Math.max(mfaMet, antiPhishingMet)).toISOString();
  return { eligible: missing.length === 0, missing, eligibleFrom };
}

/**
 * Scores an account's protections and lists what is left to do, in the order the security center
 * shows them. Pure: the caller gathers the facts. "Days" are 24-hour periods, not calendar days.
 *
 * @example securityCheckup({ ...facts, now, protectionProgrammeDays: DEFAULT_PROTECTION_PROGRAMME_DAYS })
 */
export function securityCheckup(input: CheckupInput): CheckupResult {
  const items = ITEMS.map(({ state, ...item }): CheckupItem => {
    const value = state(input);
    return { ...item, done: value === true, available: value !== null };
  });
  const available = items.filter((i) => i.available);
  const total = available.reduce((sum, i) => sum + i.weight, 0);
  const done = available.reduce((sum, i) => sum + (i.done ? i.weight : 0), 0);
  // Rounded down, so 100 means every available item is done.
  const score = total === 0 ? 0 : Math.floor((100 * done) / total);
  return { score, items, protectionProgramme: protectionProgramme(input) };
}
