import { describe, expect, it } from 'vitest';
import { type CheckupInput, DEFAULT_PROTECTION_PROGRAMME_DAYS, securityCheckup } from './security-checkup.js';

const now = new Date('2025-06-30T12:00:00Z');
const daysBefore = (days: number) => new Date(now.getTime() - days * 86_400_000);

const empty: CheckupInput = {
  now,
  totpEnabled: false,
  passkeyCount: 0,
  backupCodesRemaining: 0,
  antiPhishingCodeSet: false,
  withdrawalLockOn: false,
  whitelistOn: false,
  trustedDeviceCount: 0,
  staleDeviceCount: 0,
  staleApiKeyCount: 2,
  settingsLocked: false,
  ipAllowlistSet: false,
  mfaSince: null,
  antiPhishingSince: null,
  protectionProgrammeDays: DEFAULT_PROTECTION_PROGRAMME_DAYS,
};

const full: CheckupInput = {
  ...empty,
  totpEnabled: true,
  passkeyCount: 2,
  backupCodesRemaining: 10,
  antiPhishingCodeSet: true,
  withdrawalLockOn: true,
  whitelistOn: true,
  trustedDeviceCount: 1,
  staleApiKeyCount: 0,
  settingsLocked: true,
  ipAllowlistSet: true,
  mfaSince: daysBefore(60),
  antiPhishingSince: daysBefore(60),
};

describe('securityCheckup: checklist and score', () => {
  it('gives an unprotected account a low score with every item to do', () => {
    const result = securityCheckup(empty);
    expect(result.score).toBe(0);
    expect(result.items.every((i) => !i.done && i.available)).toBe(true);
  });

  it('gives a fully protected account 100', () => {
    const result = securityCheckup(full);
    expect(result.score).toBe(100);
    expect(result.items.every((i) => i.done)).toBe(true);
  });

  it('lists the essentials first, then the advanced setup, each with its settings page', () => {
    const items = securityCheckup(empty).items;
    expect(items.map((i) => [i.id, i.group, i.settingPath])).toEqual([
      ['totp', 'essentials', '/security/totp'],
      ['anti-phishing', 'essentials', '/security/anti-phishing'],
      ['withdrawal-lock', 'essentials', '/security/withdrawal-lock'],
      ['devices', 'essentials', '/security/devices'],
      ['passkeys', 'advanced', '/security/passkeys'],
      ['whitelist', 'advanced', '/security/addresses'],
      ['backup-codes', 'advanced', '/security/backup-codes'],
      ['api-keys', 'advanced', '/security/api-keys'],
      ['settings-lock', 'advanced', '/security/settings-lock'],
      ['ip-allowlist', 'advanced', '/security/ip-allowlist'],
    ]);
    const weight = (id: string) => items.find((i) => i.id === id)!.weight;
    expect(weight('ip-allowlist')).toBeLessThan(
      Math.min(...items.filter((i) => i.id !== 'ip-allowlist').map((i) => i.weight)),
    );
  });

  it('excludes controls the platform does not offer from the score', () => {
    const result = securityCheckup({
      ...full,
      withdrawalLockOn: null,
      whitelistOn: null,
      staleApiKeyCount: null,
    });
    expect(result.score).toBe(100);
    const unavailable = result.items.filter((i) => !i.available).map((i) => i.id);
    expect(unavailable).toEqual(['withdrawal-lock', 'whitelist', 'api-keys']);
    expect(result.items.filter((i) => !i.available).every((i) => !i.done)).toBe(true);
  });

  it('asks to review devices when none is trusted or some are stale', () => {
    const devices = (input: CheckupInput) =>
      securityCheckup(input).items.find((i) => i.id === 'devices')!.done;
    expect(devices(full)).toBe(true);
    expect(devices({ ...full, trustedDeviceCount: 0 })).toBe(false);
    expect(devices({ ...full, staleDeviceCount: 1 })).toBe(false);
  });

  it('scores by weight, rounded down, as an integer', () => {
    const result = securityCheckup({ ...empty, totpEnabled: true });
    const total = result.items.reduce((sum, i) => sum + i.weight, 0);
    expect(result.score).toBe(Math.floor((100 * 20) / total));
    expect(securityCheckup({ ...full, ipAllowlistSet: false }).score).toBeLessThan(100);
  });
});

describe('securityCheckup: account protection programme', () => {
  const programme = (input: Partial<CheckupInput>) =>
    securityCheckup({ ...full, ...input }).protectionProgramme;

  it('is met when MFA and the anti-phishing code were both set exactly 21 days ago', () => {
    expect(programme({ mfaSince: daysBefore(21), antiPhishingSince: daysBefore(21) })).toEqual({
      eligible: true,
      missing: [],
      eligibleFrom: now.toISOString(),
    });
  });

  it('is not met one millisecond earlier, and says when it will be', () => {
    const justSet = new Date(daysBefore(21).getTime() + 1);
    const result = programme({ mfaSince: daysBefore(30), antiPhishingSince: justSet });
    expect(result.eligible).toBe(false);
    expect(result.missing).toEqual(['Keep your anti-phishing code set for 21 days.']);
    expect(result.eligibleFrom).toBe(new Date(now.getTime() + 1).toISOString());
  });

  it('counts a passkey alone as MFA', () => {
    expect(programme({ totpEnabled: false, passkeyCount: 1 }).eligible).toBe(true);
  });

  it('lists both conditions for an unprotected account and gives no date', () => {
    expect(securityCheckup(empty).protectionProgramme).toEqual({
      eligible: false,
      missing: ['Turn on an authenticator app or add a passkey.', 'Set an anti-phishing code.'],
      eligibleFrom: null,
    });
  });

  it('Security: ignores a stale "since" date once the control is turned off (coverage gaming)', () => {
    const result = programme({ totpEnabled: false, passkeyCount: 0, antiPhishingCodeSet: false });
    expect(result.eligible).toBe(false);
    expect(result.missing).toHaveLength(2);
    expect(result.eligibleFrom).toBeNull();
  });
});
