import { describe, expect, it } from 'vitest';
import { ed25519FromSeed, fixedBytes } from '../../../scripts/por-vectors.js';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { fromHex } from './encoding.js';
import {
  isUtcSecond,
  type Manifest,
  manifestProblems,
  manifestSigningBytes,
  serializeManifest,
  signManifest,
  utcSecond,
} from './manifest.js';

const signer = ed25519FromSeed(fixedBytes('manifest.test signing key'));

const unsigned = {
  version: 'custos-por/1',
  snapshot_id: '2026-11-21T00:00:00Z',
  taken_at: '2026-11-21T00:00:04Z',
  assets: [
    {
      asset: 'BTC',
      decimals: 8,
      height: 3,
      leaf_count: 6,
      root_hash: 'ab'.repeat(32),
      total_liabilities: '98959932108',
      reserves: '102055000000',
      reserve_ratio: '1.0312',
    },
    {
      asset: 'LTC',
      decimals: 8,
      height: 1,
      leaf_count: 0,
      root_hash: 'cd'.repeat(32),
      total_liabilities: '0',
      reserves: '100000000',
      reserve_ratio: null,
    },
  ],
} as const;

const manifest: Manifest = signManifest(unsigned, signer.publicKeyHex, (m) => signer.sign(m));

type Loose = Record<string, unknown> & { assets: Record<string, unknown>[] };
function changed(change: (m: Loose) => void): unknown {
  const m = JSON.parse(JSON.stringify(manifest)) as Loose;
  change(m);
  return m;
}
const onBtc = (field: string, value: unknown) => changed((m) => (m.assets[0]![field] = value));
/** The same manifest with every object's fields in reverse order. */
const reversed = (m: Manifest): Manifest =>
  JSON.parse(JSON.stringify(m), (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
  ) as Manifest;

describe('manifestProblems', () => {
  it('finds none in a signed manifest, including a null ratio without liabilities', () => {
    expect(manifestProblems(manifest)).toEqual([]);
    expect(manifestProblems(JSON.parse(serializeManifest(manifest)))).toEqual([]);
  });

  it.each([null, [], 'manifest', 42])('refuses a non-object: %j', (x) => {
    expect(manifestProblems(x)).toEqual([{ field: '', message: 'a manifest is a JSON object' }]);
  });

  const cases: [string, unknown, string, RegExp][] = [
    ['an unknown field', changed((m) => (m.note = 1)), 'note', /unknown field/],
    ...['version', 'snapshot_id', 'taken_at', 'assets', 'public_key', 'signature'].map(
      (k): [string, unknown, string, RegExp] => [`no ${k}`, changed((m) => delete m[k]), k, /missing/],
    ),
    ['another version', changed((m) => (m.version = 'custos-por/2')), 'version', /custos-por\/1/],
    ['an empty snapshot id', changed((m) => (m.snapshot_id = '')), 'snapshot_id', /1 to 255 bytes/],
    ['a 256-byte snapshot id', changed((m) => (m.snapshot_id = 'é'.repeat(128))), 'snapshot_id', /255/],
    ['a numeric snapshot id', changed((m) => (m.snapshot_id = 20261121)), 'snapshot_id', /string/],
    ['taken_at with a space', changed((m) => (m.taken_at = '2026-11-21 00:00:04Z')), 'taken_at', /UTC/],
    [
      'taken_at with milliseconds',
      changed((m) => (m.taken_at = '2026-11-21T00:00:04.000Z')),
      'taken_at',
      /UTC/,
    ],
    [
      'taken_at with an offset',
      changed((m) => (m.taken_at = '2026-11-21T00:00:04+00:00')),
      'taken_at',
      /UTC/,
    ],
    ['taken_at on 31 February', changed((m) => (m.taken_at = '2026-02-31T00:00:00Z')), 'taken_at', /UTC/],
    ['taken_at at 24:00', changed((m) => (m.taken_at = '2026-11-21T24:00:00Z')), 'taken_at', /UTC/],
    [
      'an uppercase public key',
      changed((m) => (m.public_key = signer.publicKeyHex.toUpperCase())),
      'public_key',
      /lowercase/,
    ],
    ['a short public key', changed((m) => (m.public_key = 'ab'.repeat(31))), 'public_key', /64/],
    [
      'a short signature',
      changed((m) => (m.signature = (m.signature as string).slice(2))),
      'signature',
      /128/,
    ],
    [
      'an uppercase signature',
      changed((m) => (m.signature = (m.signature as string).toUpperCase())),
      'signature',
      /lowercase/,
    ],
    ['no assets', changed((m) => (m.assets = [])), 'assets', /at least one/],
    [
      'assets not a list',
      changed((m) => ((m as Record<string, unknown>).assets = {})),
      'assets',
      /at least one/,
    ],
    [
      'an asset that is not an object',
      changed((m) => ((m.assets as unknown[])[1] = 'LTC')),
      'assets[1]',
      /object/,
    ],
    ['an asset listed twice', changed((m) => (m.assets[1]!.asset = 'BTC')), 'assets[1].asset', /twice/],
    ['an unknown asset field', onBtc('network', 'bitcoin'), 'assets[0].network', /unknown field/],
    ['no asset name', changed((m) => delete m.assets[0]!.asset), 'assets[0].asset', /missing/],
    ['an empty asset name', onBtc('asset', ''), 'assets[0].asset', /1 to 255 bytes/],
    ['negative decimals', onBtc('decimals', -1), 'assets[0].decimals', /0 to 255/],
    ['decimals 256', onBtc('decimals', 256), 'assets[0].decimals', /0 to 255/],
    ['fractional decimals', onBtc('decimals', 8.5), 'assets[0].decimals', /integer/],
    ['decimals as a string', onBtc('decimals', '8'), 'assets[0].decimals', /integer/],
    ['height 0', onBtc('height', 0), 'assets[0].height', /1 to 32/],
    ['height 33', onBtc('height', 33), 'assets[0].height', /1 to 32/],
    ['a negative leaf count', onBtc('leaf_count', -1), 'assets[0].leaf_count', /2\^height/],
    ['more leaves than 2^height', onBtc('leaf_count', 9), 'assets[0].leaf_count', /2\^height/],
    ['a fractional leaf count', onBtc('leaf_count', 5.5), 'assets[0].leaf_count', /integer/],
    ['an uppercase root hash', onBtc('root_hash', 'AB'.repeat(32)), 'assets[0].root_hash', /lowercase/],
    [
      'a total with a leading zero',
      onBtc('total_liabilities', '098959932108'),
      'assets[0].total_liabilities',
      /canonical/,
    ],
    [
      'a total of 2^128',
      onBtc('total_liabilities', (1n << 128n).toString()),
      'assets[0].total_liabilities',
      /canonical/,
    ],
    ['a numeric total', onBtc('total_liabilities', 98959932108), 'assets[0].total_liabilities', /canonical/],
    ['negative reserves', onBtc('reserves', '-1'), 'assets[0].reserves', /canonical/],
    ['reserves in exponent notation', onBtc('reserves', '1.02055e11'), 'assets[0].reserves', /canonical/],
    ['a ratio rounded up', onBtc('reserve_ratio', '1.0313'), 'assets[0].reserve_ratio', /does not match/],
    ['a ratio with 2 decimals', onBtc('reserve_ratio', '1.03'), 'assets[0].reserve_ratio', /does not match/],
    ['a numeric ratio', onBtc('reserve_ratio', 1.0312), 'assets[0].reserve_ratio', /does not match/],
    [
      'a null ratio with liabilities',
      onBtc('reserve_ratio', null),
      'assets[0].reserve_ratio',
      /does not match/,
    ],
    [
      'a ratio without liabilities',
      changed((m) => (m.assets[1]!.reserve_ratio = '0.0000')),
      'assets[1].reserve_ratio',
      /does not match/,
    ],
  ];

  it.each(cases)('reports %s', (_, bad, field, message) => {
    const problems = manifestProblems(bad);
    expect(problems.map((p) => p.field)).toContain(field);
    expect(problems.find((p) => p.field === field)!.message).toMatch(message);
  });

  it('accepts a leaf count of exactly 2^height', () => {
    expect(manifestProblems(onBtc('leaf_count', 8))).toEqual([]);
  });
});

describe('manifestSigningBytes: RFC 8785 (JCS) without the signature', () => {
  it('sorts the keys, drops the whitespace and the signature', () => {
    const text = new TextDecoder().decode(manifestSigningBytes(manifest));
    expect(text).toBe(
      '{"assets":[' +
        `{"asset":"BTC","decimals":8,"height":3,"leaf_count":6,"reserve_ratio":"1.0312","reserves":"102055000000","root_hash":"${'ab'.repeat(32)}","total_liabilities":"98959932108"},` +
        `{"asset":"LTC","decimals":8,"height":1,"leaf_count":0,"reserve_ratio":null,"reserves":"100000000","root_hash":"${'cd'.repeat(32)}","total_liabilities":"0"}` +
        `],"public_key":"${signer.publicKeyHex}","snapshot_id":"2026-11-21T00:00:00Z","taken_at":"2026-11-21T00:00:04Z","version":"custos-por/1"}`,
    );
  });

  it('does not depend on the order of the fields', () => {
    const reordered = reversed(manifest);
    expect(Object.keys(reordered)[0]).toBe('signature');
    const { signature: _s, ...withoutSignature } = manifest;
    expect(manifestSigningBytes(reordered)).toEqual(manifestSigningBytes(manifest));
    expect(manifestSigningBytes(withoutSignature)).toEqual(manifestSigningBytes(manifest));
  });

  it('writes non-ASCII as UTF-8, not as escapes', () => {
    const m = { ...manifest, snapshot_id: 'snapshot-ë' };
    expect(Buffer.from(manifestSigningBytes(m)).toString('hex')).toContain(
      Buffer.from('"snapshot-ë"').toString('hex'),
    );
  });
});

describe('signManifest and serializeManifest', () => {
  it('signs the canonical bytes under the given key', () => {
    expect(manifest.public_key).toBe(signer.publicKeyHex);
    expect(
      nodePorCrypto.verifyEd25519(
        fromHex(signer.publicKeyHex),
        manifestSigningBytes(manifest),
        fromHex(manifest.signature),
      ),
    ).toBe(true);
  });

  it('publishes the fields in the order of the format, two-space indented, with a final newline', () => {
    const text = serializeManifest(reversed(manifest));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "version": "custos-por/1",\n  "snapshot_id"')).toBe(true);
    expect([...text.matchAll(/^ {2}"(\w+)"/gm)].map((m) => m[1])).toEqual([
      'version',
      'snapshot_id',
      'taken_at',
      'assets',
      'public_key',
      'signature',
    ]);
    expect([...text.matchAll(/^ {6}"(\w+)"/gm)].slice(0, 8).map((m) => m[1])).toEqual([
      'asset',
      'decimals',
      'height',
      'leaf_count',
      'root_hash',
      'total_liabilities',
      'reserves',
      'reserve_ratio',
    ]);
    expect(JSON.parse(text)).toEqual(manifest);
  });
});

describe('utcSecond and isUtcSecond: RFC 3339, UTC, to the second', () => {
  it('writes a date to the second', () => {
    expect(utcSecond(new Date(Date.UTC(2026, 10, 21, 1, 2, 3, 999)))).toBe('2026-11-21T01:02:03Z');
  });

  it.each(['2026-11-21T00:00:00Z', '2028-02-29T23:59:59Z', '1970-01-01T00:00:00Z'])('accepts %s', (s) => {
    expect(isUtcSecond(s)).toBe(true);
  });

  it.each([
    '2026-02-29T00:00:00Z', // not a leap year
    '2026-02-31T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-21T24:00:00Z',
    '2026-11-21T23:60:00Z',
    '2026-11-21T23:59:60Z',
    '2026-11-21T00:00:00z',
    '2026-11-21T00:00Z',
    '2026-11-21',
  ])('refuses %s', (s) => {
    expect(isUtcSecond(s)).toBe(false);
  });

  it('refuses a non-string', () => {
    expect(isUtcSecond(Date.UTC(2026, 10, 21))).toBe(false);
  });
});
