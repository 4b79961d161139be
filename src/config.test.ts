import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('works with no configuration at all in development', () => {
    const c = loadConfig({});
    expect(c.production).toBe(false);
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.ARGON2_MEMORY_KIB).toBe(19456);
    expect(c.LOCKOUT_HARD_THRESHOLD).toBe(100);
    expect(c.devMailbox).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('a wrong value stops start-up with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ SESSION_IDLE_MINUTES: '0' })).toThrow(/SESSION_IDLE_MINUTES/);
    // NIST SP 800-63B: no more than 100 consecutive failures before the hard lock.
    expect(() => loadConfig({ LOCKOUT_HARD_THRESHOLD: '101' })).toThrow(/LOCKOUT_HARD_THRESHOLD/);
    expect(() => loadConfig({ PASSWORD_MAX_LENGTH: '64' })).toThrow(/PASSWORD_MAX_LENGTH/);
  });

  it('production refuses weaker settings instead of warning', () => {
    const base = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://custos.example',
      SMTP_URL: 'smtp://mail.example:587',
      KEK_FILE: '/etc/custos/kek.json',
      AUDIT_SIGNING_KEY_FILE: '/etc/custos/audit.pem',
      POR_SIGNING_KEY_FILE: '/etc/custos/por.pem',
    };
    expect(() => loadConfig(base)).not.toThrow();
    const weak = () => loadConfig({ ...base, ARGON2_MEMORY_KIB: '4096' });
    expect(weak).toThrow(ConfigError);
    expect(weak).toThrow(/ARGON2/);
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'http://custos.example' })).toThrow(/PUBLIC_URL/);
    expect(() => loadConfig({ ...base, SMTP_URL: undefined })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ ...base, KEK_FILE: undefined })).toThrow(/KEK_FILE/);
    expect(() => loadConfig({ ...base, POR_SIGNING_KEY_FILE: undefined })).toThrow(/POR_SIGNING_KEY_FILE/);
    expect(() => loadConfig({ ...base, COOLING_OFF_HOURS: '1' })).toThrow(/COOLING_OFF_HOURS/);
  });

  it('withdrawal settings: per-asset amounts, tiers and thresholds are checked, weaker choices reported', () => {
    const c = loadConfig({});
    expect(c.WHITELIST_ONLY).toBe(true);
    expect(c.WITHDRAWAL_EMAIL_CONFIRMATION).toBe('always');
    expect(c.largeWithdrawals.get('BTC')).toBe(100_000_000n);
    expect(c.tiers.get('unverified')?.get('ETH')?.perWithdrawal).toBe(3n * 10n ** 17n);
    expect(() => loadConfig({ LARGE_WITHDRAWALS: 'DOGE:5' })).toThrow(/LARGE_WITHDRAWALS: "DOGE:5"/);
    expect(() => loadConfig({ WITHDRAWAL_TIERS: '{not json' })).toThrow(/WITHDRAWAL_TIERS/);
    expect(() => loadConfig({ DEFAULT_TIER: 'gold' })).toThrow(/DEFAULT_TIER: "gold"/);
    expect(() => loadConfig({ RISK_THRESHOLDS: '90,60,30' })).toThrow(/RISK_THRESHOLDS/);
    expect(() => loadConfig({ CHAIN_ADAPTER: 'webhook' })).toThrow(/CHAIN_SIGNER_URL/);
    const weak = loadConfig({
      WHITELIST_ONLY: 'false',
      WITHDRAWAL_EMAIL_CONFIRMATION: 'risk',
      COOLING_OFF_HOURS: '0',
    });
    for (const name of ['WHITELIST_ONLY', 'WITHDRAWAL_EMAIL_CONFIRMATION', 'COOLING_OFF_HOURS'])
      expect(
        weak.warnings.some((w) => w.startsWith(name)),
        name,
      ).toBe(true);
    const extra = loadConfig({ ASSETS: 'BTC:8:bitcoin,SOL:9:solana', LARGE_WITHDRAWALS: 'BTC:1' });
    expect(extra.warnings).toContain('WITHDRAWAL_TIERS: no tier lists SOL, so it cannot be withdrawn');
  });

  it('a weaker setting outside production is allowed but reported for the log', () => {
    const c = loadConfig({ ARGON2_MEMORY_KIB: '1024' });
    expect(c.warnings.some((w) => w.startsWith('ARGON2'))).toBe(true);
  });
});
