import ipaddr from 'ipaddr.js';
import { CustosError, type ErrorDetail } from '../errors.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** A user's sign-in allow-list stays small enough to read at a glance and to check per request. */
export const MAX_ALLOWLIST_ENTRIES = 50;
const MAX_ENTRY_LENGTH = 100;

/**
 * Parses an address strictly: IPv4 only as four decimal parts (ipaddr.js would also read `127.1`
 * or `0x7f.0.0.1`, which no user means) and IPv6 without a zone.
 */
function parseStrict(text: string): Address | null {
  const s = text.trim();
  if (s.length === 0 || s.length > MAX_ENTRY_LENGTH || s.includes('%')) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  return ipaddr.IPv6.isValid(s) ? ipaddr.IPv6.parse(s) : null;
}

/** As {@link parseStrict}, with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) read as its IPv4. */
function parseIp(text: string): Address | null {
  const addr = parseStrict(text);
  return addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress() ? addr.toIPv4Address() : addr;
}

function parseRange(text: string): [Address, number] | null {
  const [addrText, prefixText, extra] = text.trim().split('/');
  if (addrText === undefined || extra !== undefined) return null;
  const addr = parseStrict(addrText);
  if (addr === null) return null;
  const bits = addr.kind() === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  // A mapped range such as ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8.
  if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress() && prefix >= 96) {
    return [networkAddress(addr.toIPv4Address(), prefix - 96), prefix - 96];
  }
  return [networkAddress(addr, prefix), prefix];
}

function networkAddress(addr: Address, prefix: number): Address {
  const bytes = addr.toByteArray().map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  return ipaddr.fromByteArray(bytes);
}

const formatRange = ([addr, prefix]: [Address, number]) => `${addr.toString()}/${prefix}`;

/**
 * Validates and canonicalises a user's sign-in allow-list: each entry an IPv4 or IPv6 address or
 * CIDR range, returned as `network/prefix` (host bits cleared, IPv6 in RFC 5952 form), without
 * duplicates, in the order given.
 *
 * @example normalizeAllowlist(['203.0.113.7', '2001:DB8::/32']) // ['203.0.113.7/32', '2001:db8::/32']
 * @throws CustosError VALIDATION_FAILED with one detail per bad entry (`cidrs.<index>`)
 */
export function normalizeAllowlist(entries: string[]): string[] {
  if (entries.length > MAX_ALLOWLIST_ENTRIES) {
    throw new CustosError('VALIDATION_FAILED', {
      details: [{ path: 'cidrs', message: `At most ${MAX_ALLOWLIST_ENTRIES} entries are allowed.` }],
    });
  }
  const details: ErrorDetail[] = [];
  const out = new Set<string>();
  entries.forEach((entry, i) => {
    const range = parseRange(entry);
    if (range === null) {
      details.push({ path: `cidrs.${i}`, message: 'Enter an IP address or a range such as 203.0.113.0/24.' });
    } else {
      out.add(formatRange(range));
    }
  });
  if (details.length > 0) throw new CustosError('VALIDATION_FAILED', { details });
  return [...out];
}

/**
 * Whether a sign-in from `ip` passes the allow-list. An empty list allows everyone; with a list,
 * an address that cannot be parsed is refused (fail closed).
 */
export function ipAllowed(ip: string, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  const addr = parseIp(ip);
  if (addr === null) return false;
  return allowlist.some((entry) => {
    const range = parseRange(entry);
    if (range === null) return false;
    const [net, prefix] = range;
    if (addr.kind() === net.kind()) return addr.match(net, prefix);
    // An IPv6 range wider than ::ffff:0:0/96 can still contain the mapped form of an IPv4 address.
    return addr instanceof ipaddr.IPv4 && addr.toIPv4MappedAddress().match(net, prefix);
  });
}

/**
 * The bucket per-subnet rate limits count in: the /24 of an IPv4 address, the /48 of an IPv6
 * one (a typical site allocation, so one customer cannot dodge the limit by rotating addresses).
 * Addresses that cannot be parsed share the bucket `unknown`.
 *
 * @example subnetKey('203.0.113.77') === '203.0.113.0/24'
 */
export function subnetKey(ip: string): string {
  const addr = parseIp(ip);
  if (addr === null) return 'unknown';
  const prefix = addr.kind() === 'ipv4' ? 24 : 48;
  return formatRange([networkAddress(addr, prefix), prefix]);
}
