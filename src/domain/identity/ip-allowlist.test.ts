import { describe, expect, it } from 'vitest';
import { CustosError } from '../errors.js';
import { ipAllowed, normalizeAllowlist, subnetKey } from './ip-allowlist.js';

function validationDetails(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CustosError);
    expect((error as CustosError).code).toBe('VALIDATION_FAILED');
    return (error as CustosError).details;
  }
  throw new Error('expected a validation error');
}

describe('normalizeAllowlist', () => {
  it('canonicalises addresses and ranges as network/prefix', () => {
    expect(
      normalizeAllowlist([
        '203.0.113.7',
        ' 198.51.100.77/24 ',
        '2001:DB8:0:0::1',
        '2001:db8:abcd:12::5/48',
        '::ffff:192.0.2.9',
        '::ffff:10.1.2.3/104',
        '0.0.0.0/0',
      ]),
    ).toEqual([
      '203.0.113.7/32',
      '198.51.100.0/24',
      '2001:db8::1/128',
      '2001:db8:abcd::/48',
      '192.0.2.9/32',
      '10.0.0.0/8',
      '0.0.0.0/0',
    ]);
  });

  it('removes duplicates, including different spellings of the same range', () => {
    expect(
      normalizeAllowlist(['10.0.0.1/8', '10.0.0.0/8', '10.9.9.9/8', '2001:db8::/32', '2001:0DB8::/32']),
    ).toEqual(['10.0.0.0/8', '2001:db8::/32']);
  });

  it('reports every bad entry with its index', () => {
    const details = validationDetails(() =>
      normalizeAllowlist([
        '10.0.0.0/8',
        'example.com',
        '10.0.0.0/33',
        '2001:db8::/129',
        '1.2.3.4/-1',
        '1.2.3.4/8/8',
      ]),
    );
    expect(details?.map((d) => d.path)).toEqual(['cidrs.1', 'cidrs.2', 'cidrs.3', 'cidrs.4', 'cidrs.5']);
    expect(details?.[0]?.message).toMatch(/IP address/);
  });

  it('Security: rejects ambiguous IPv4 spellings and IPv6 zones (allow-list confusion)', () => {
    for (const odd of ['127.1', '0x7f.0.0.1', '017.0.0.1', '2130706433', 'fe80::1%eth0', '']) {
      expect(validationDetails(() => normalizeAllowlist([odd]))?.[0]?.path).toBe('cidrs.0');
    }
  });

  it('accepts at most 50 entries', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `10.0.${i}.0/24`);
    expect(normalizeAllowlist(fifty)).toHaveLength(50);
    expect(validationDetails(() => normalizeAllowlist([...fifty, '10.1.0.0/24']))?.[0]?.path).toBe('cidrs');
  });
});

describe('ipAllowed', () => {
  const list = normalizeAllowlist(['203.0.113.0/24', '2001:db8:1::/48']);

  it('allows everyone when the list is empty', () => {
    expect(ipAllowed('198.51.100.1', [])).toBe(true);
    expect(ipAllowed('garbage', [])).toBe(true);
  });

  it('allows addresses inside a listed range and refuses the rest', () => {
    expect(ipAllowed('203.0.113.200', list)).toBe(true);
    expect(ipAllowed('203.0.114.1', list)).toBe(false);
    expect(ipAllowed('2001:db8:1:ffff::1', list)).toBe(true);
    expect(ipAllowed('2001:db8:2::1', list)).toBe(false);
  });

  it('Security: treats an IPv4-mapped IPv6 address as its IPv4 (dual-stack bypass)', () => {
    expect(ipAllowed('::ffff:203.0.113.9', list)).toBe(true);
    expect(ipAllowed('::ffff:198.51.100.9', list)).toBe(false);
    expect(ipAllowed('::ffff:203.0.113.9', normalizeAllowlist(['::/0']))).toBe(true);
  });

  it('Security: fails closed on an address it cannot parse', () => {
    for (const ip of ['', 'unknown', '203.0.113', '203.0.113.1.5', '203.0.113.1, 10.0.0.1']) {
      expect(ipAllowed(ip, list)).toBe(false);
    }
  });
});

describe('subnetKey', () => {
  it('buckets IPv4 by /24 and IPv6 by /48', () => {
    expect(subnetKey('203.0.113.77')).toBe('203.0.113.0/24');
    expect(subnetKey('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48');
  });

  it('Security: an IPv4-mapped address shares the bucket of its IPv4 (rate-limit evasion)', () => {
    expect(subnetKey('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
  });

  it("puts what it cannot parse in the 'unknown' bucket", () => {
    expect(subnetKey('not an ip')).toBe('unknown');
    expect(subnetKey('')).toBe('unknown');
  });
});
