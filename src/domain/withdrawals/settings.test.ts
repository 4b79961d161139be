import { describe, expect, it } from 'vitest';
import {
  addressStatus,
  effectiveCap,
  isPlausibleAddress,
  pendingCap,
  planCapChange,
  withdrawalLockState,
} from './settings.js';

const t = (h: number) => new Date(Date.UTC(2026, 10, 21, h));

describe('withdrawal settings', () => {
  it('the lock turns off only when its delay is over', () => {
    expect(
      withdrawalLockState({ withdrawal_lock_on: false, withdrawal_lock_off_effective_at: null }, t(0)),
    ).toEqual({ state: 'off' });
    expect(
      withdrawalLockState({ withdrawal_lock_on: true, withdrawal_lock_off_effective_at: null }, t(0)),
    ).toEqual({ state: 'on' });
    const pending = { withdrawal_lock_on: true, withdrawal_lock_off_effective_at: t(24) };
    expect(withdrawalLockState(pending, t(23))).toEqual({ state: 'unlock_pending', effectiveAt: t(24) });
    expect(withdrawalLockState(pending, t(24))).toEqual({ state: 'off' });
  });

  it('lowering a cap is immediate; raising or removing it waits', () => {
    expect(planCapChange(null, 100n, t(0))).toEqual({ immediate: true });
    expect(planCapChange(100n, 50n, t(0))).toEqual({ immediate: true });
    expect(planCapChange(100n, 100n, t(0))).toEqual({ immediate: true });
    expect(planCapChange(100n, 101n, t(0))).toEqual({ immediate: false, effectiveAt: t(24) });
    expect(planCapChange(100n, null, t(0))).toEqual({ immediate: false, effectiveAt: t(24) });
  });

  it('a pending cap applies from its time on', () => {
    const row = {
      daily_limit: '100',
      pending_limit: '500',
      pending_unlimited: false,
      pending_effective_at: t(24),
    };
    expect(effectiveCap(row, t(23))).toBe(100n);
    expect(pendingCap(row, t(23))).toEqual({ limit: 500n, effectiveAt: t(24) });
    expect(effectiveCap(row, t(24))).toBe(500n);
    expect(pendingCap(row, t(24))).toBeNull();
    expect(effectiveCap({ ...row, pending_unlimited: true, pending_limit: null }, t(25))).toBeNull();
    expect(effectiveCap(undefined, t(0))).toBeNull();
  });

  it('an address is usable only after confirmation and its waiting period', () => {
    expect(addressStatus({ confirmed_at: null, active_from: null }, t(0))).toBe('awaiting_confirmation');
    expect(addressStatus({ confirmed_at: t(0), active_from: t(24) }, t(23))).toBe('activating');
    expect(addressStatus({ confirmed_at: t(0), active_from: t(24) }, t(24))).toBe('active');
  });

  it('recognises address shapes per network', () => {
    expect(isPlausibleAddress('bitcoin', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')).toBe(true);
    expect(isPlausibleAddress('bitcoin', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT')).toBe(true);
    expect(isPlausibleAddress('bitcoin', 'bc1-not-an-address')).toBe(false);
    expect(isPlausibleAddress('ethereum', '0x52908400098527886E0F7030069857D2E4169EE7')).toBe(true);
    expect(isPlausibleAddress('ethereum', '0x5290840009852788')).toBe(false);
    expect(isPlausibleAddress('ethereum', '0x52908400098527886E0F7030069857D2E4169EEZ')).toBe(false);
  });
});
