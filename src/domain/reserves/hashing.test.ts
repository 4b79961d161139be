import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { fromHex, lp, PorEncodingError, toHex, U128_MAX } from './encoding.js';
import {
  deriveSalt,
  hmacSha256,
  innerNode,
  LeafHasher,
  SumOverflowError,
  userCommitment,
} from './hashing.js';

const sha256 = nodePorCrypto.sha256;
const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (...parts: string[]) => parts.join('');
/** The expected digest, computed by node:crypto on bytes spelled out in the test. */
const digestOf = (bytesHex: string) =>
  createHash('sha256').update(Buffer.from(bytesHex, 'hex')).digest('hex');

const SNAPSHOT = '2026-11-21T00:00:00Z';
const SNAPSHOT_LP = `14${Buffer.from(SNAPSHOT).toString('hex')}`; // 20 bytes
const SALT = 'a5'.repeat(32);
const UID = '3c'.repeat(32);

describe('hmacSha256: RFC 4231 known answers', () => {
  const bytes = (n: number, b: number) => new Uint8Array(n).fill(b);
  it.each([
    [
      '1',
      bytes(20, 0x0b),
      utf8('Hi There'),
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      '2 (key shorter than the output)',
      utf8('Jefe'),
      utf8('what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      '3 (50-byte data)',
      bytes(20, 0xaa),
      bytes(50, 0xdd),
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    ],
    [
      '4 (25-byte key)',
      Uint8Array.from({ length: 25 }, (_, i) => i + 1),
      bytes(50, 0xcd),
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    ],
    [
      '6 (131-byte key: hashed first)',
      bytes(131, 0xaa),
      utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
  ])('test case %s', (_, key, data, mac) => {
    expect(toHex(hmacSha256(sha256, key, data))).toBe(mac);
  });

  it.each([0, 1, 32, 63, 64, 65, 200])('agrees with node:crypto for a %i-byte key', (n) => {
    const key = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
    const data = utf8(`message ${n}`);
    expect(toHex(hmacSha256(sha256, key, data))).toBe(createHmac('sha256', key).update(data).digest('hex'));
  });
});

describe('deriveSalt: HMAC-SHA-256(user_secret, "custos-por/1 salt" ‖ lp(snapshot_id))', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('is the HMAC of the label and the length-prefixed snapshot id', () => {
    const expected = createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from('custos-por/1 salt'), lp(SNAPSHOT)]))
      .digest('hex');
    expect(toHex(deriveSalt(sha256, secret, SNAPSHOT))).toBe(expected);
  });

  it('differs from one snapshot to the next, and repeats for the same one', () => {
    const a = toHex(deriveSalt(sha256, secret, '2026-11-21T00:00:00Z'));
    expect(toHex(deriveSalt(sha256, secret, '2026-11-21T00:00:00Z'))).toBe(a);
    expect(toHex(deriveSalt(sha256, secret, '2026-11-22T00:00:00Z'))).not.toBe(a);
  });

  it('refuses a secret shorter than 16 bytes', () => {
    expect(() => deriveSalt(sha256, new Uint8Array(15), SNAPSHOT)).toThrow(/at least 16 bytes/);
    expect(deriveSalt(sha256, new Uint8Array(16), SNAPSHOT)).toHaveLength(32);
  });
});

describe('userCommitment: uid = H(0x03 ‖ lp(snapshot_id) ‖ lp(user_id) ‖ salt)', () => {
  it('hashes exactly those bytes', () => {
    const bytes = hex('03', SNAPSHOT_LP, '05', Buffer.from('alice').toString('hex'), SALT);
    expect(toHex(userCommitment(sha256, SNAPSHOT, 'alice', fromHex(SALT)))).toBe(digestOf(bytes));
  });

  it('hashes a non-ASCII user id as its UTF-8 bytes, without normalizing it', () => {
    const nfc = 'zoë';
    const nfd = nfc.normalize('NFD');
    const bytes = hex('03', SNAPSHOT_LP, '04', '7a6fc3ab', SALT);
    expect(toHex(userCommitment(sha256, SNAPSHOT, nfc, fromHex(SALT)))).toBe(digestOf(bytes));
    expect(toHex(userCommitment(sha256, SNAPSHOT, nfd, fromHex(SALT)))).not.toBe(digestOf(bytes));
  });

  it('refuses a salt that is not 32 bytes, and an id outside 1 to 255 bytes', () => {
    expect(() => userCommitment(sha256, SNAPSHOT, 'alice', new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => userCommitment(sha256, SNAPSHOT, 'a'.repeat(256), fromHex(SALT))).toThrow(PorEncodingError);
    expect(() => userCommitment(sha256, SNAPSHOT, '', fromHex(SALT))).toThrow(PorEncodingError);
  });
});

describe('LeafHasher', () => {
  const hasher = () => new LeafHasher(sha256, SNAPSHOT, 'BTC');
  const leafBytes = (index: string, value: string) => hex('00', SNAPSHOT_LP, '03425443', index, UID, value);

  it('leaf: H(0x00 ‖ lp(snapshot_id) ‖ lp(asset) ‖ u32(index) ‖ uid ‖ u128(value))', () => {
    const expected = digestOf(leafBytes('00000005', `${'00'.repeat(12)}08f0d180`));
    expect(toHex(hasher().leaf(5, fromHex(UID), 150_000_000n))).toBe(expected);
  });

  it('encodes the largest index and value', () => {
    const expected = digestOf(leafBytes('ffffffff', 'ff'.repeat(16)));
    expect(toHex(hasher().leaf(0xffff_ffff, fromHex(UID), U128_MAX))).toBe(expected);
  });

  it('leafFromLimbs gives the same hash as leaf', () => {
    const h = hasher();
    const uids = new Uint8Array(96);
    uids.set(fromHex(UID), 32);
    for (const v of [1n, (1n << 64n) - 1n, 1n << 64n, U128_MAX]) {
      expect(toHex(h.leafFromLimbs(9, uids, 32, v >> 64n, v & ((1n << 64n) - 1n)))).toBe(
        toHex(h.leaf(9, fromHex(UID), v)),
      );
    }
  });

  it('padding: H(0x02 ‖ lp(snapshot_id) ‖ lp(asset) ‖ u32(index))', () => {
    expect(toHex(hasher().padding(6))).toBe(digestOf(hex('02', SNAPSHOT_LP, '03425443', '00000006')));
  });

  it('keeps no state from one hash to the next (it reuses one buffer)', () => {
    const h = hasher();
    const first = toHex(h.leaf(3, fromHex(UID), 10n));
    h.padding(7);
    h.leaf(4, fromHex(SALT), U128_MAX);
    expect(toHex(h.leaf(3, fromHex(UID), 10n))).toBe(first);
    expect(toHex(h.padding(7))).toBe(toHex(hasher().padding(7)));
  });

  it('refuses what the format cannot encode', () => {
    const h = hasher();
    expect(() => h.leaf(2 ** 32, fromHex(UID), 1n)).toThrow(PorEncodingError);
    expect(() => h.leaf(-1, fromHex(UID), 1n)).toThrow(PorEncodingError);
    expect(() => h.leaf(0, fromHex(UID), U128_MAX + 1n)).toThrow(PorEncodingError);
    expect(() => h.leaf(0, fromHex(UID), -1n)).toThrow(PorEncodingError);
    expect(() => h.leaf(0, new Uint8Array(31), 1n)).toThrow(/32 bytes/);
    expect(() => new LeafHasher(sha256, SNAPSHOT, '')).toThrow(PorEncodingError);
  });
});

describe('innerNode: H(0x01 ‖ hL ‖ u128(vL) ‖ hR ‖ u128(vR)), value vL + vR', () => {
  const left = { hash: fromHex('11'.repeat(32)), value: 3n };
  const right = { hash: fromHex('22'.repeat(32)), value: 1n << 64n };

  it('hashes exactly those bytes and adds the values', () => {
    const bytes = hex(
      '01',
      '11'.repeat(32),
      `${'00'.repeat(15)}03`,
      '22'.repeat(32),
      `${'00'.repeat(7)}01${'00'.repeat(8)}`,
    );
    const node = innerNode(sha256, left, right);
    expect(toHex(node.hash)).toBe(digestOf(bytes));
    expect(node.value).toBe((1n << 64n) + 3n);
  });

  it('depends on the order of its children', () => {
    expect(toHex(innerNode(sha256, right, left).hash)).not.toBe(toHex(innerNode(sha256, left, right).hash));
  });

  it('takes a sum of exactly 2^128 - 1 and refuses 2^128: never a wrap', () => {
    const a = { hash: left.hash, value: U128_MAX - 5n };
    expect(innerNode(sha256, a, { hash: right.hash, value: 5n }).value).toBe(U128_MAX);
    expect(() => innerNode(sha256, a, { hash: right.hash, value: 6n })).toThrow(SumOverflowError);
  });

  it('refuses a negative child value', () => {
    expect(() => innerNode(sha256, { hash: left.hash, value: -1n }, right)).toThrow(PorEncodingError);
  });
});

describe('domain separation', () => {
  it('the four kinds of preimage start with four different bytes', () => {
    // A leaf can never be read as an inner node, a padding leaf or a commitment, whatever its bytes.
    const h = new LeafHasher((b) => b, SNAPSHOT, 'BTC');
    const leaf = h.leaf(0, fromHex(UID), 1n)[0];
    const padding = h.padding(0)[0];
    const inner = innerNode((b) => b, { hash: fromHex(UID), value: 0n }, { hash: fromHex(UID), value: 0n })
      .hash[0];
    const uid = userCommitment((b) => b, SNAPSHOT, 'alice', fromHex(SALT))[0];
    expect([leaf, inner, padding, uid]).toEqual([0x00, 0x01, 0x02, 0x03]);
  });
});
