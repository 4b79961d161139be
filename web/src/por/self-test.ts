import { fromHex, toHex } from '../../../src/domain/reserves/encoding';
import { type PorCrypto, verifyProof } from '../../../src/domain/reserves/verify';

// SHA-256("abc"), FIPS 180-2.
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
// RFC 8032 §7.1, test 1: the public key, and its signature of the empty message.
const RFC8032_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC8032_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

/**
 * A complete custos-por/1 snapshot of two leaves, made on Node with the domain build functions
 * and node:crypto, signed with RFC 8032's test-1 secret key (public, so this key proves nothing
 * about any platform: it only checks that this browser computes what Node computed).
 */
const KNOWN_MANIFEST = {
  version: 'custos-por/1',
  snapshot_id: '2026-01-01T00:00:00Z',
  taken_at: '2026-01-01T00:00:00Z',
  assets: [
    {
      asset: 'BTC',
      decimals: 8,
      height: 1,
      leaf_count: 2,
      root_hash: '447da518e7009a03f437256411e49161b43fb7285207e423d5f1c5e6b0be2408',
      total_liabilities: '200000000',
      reserves: '200000000',
      reserve_ratio: '1.0000',
    },
  ],
  public_key: RFC8032_KEY,
  signature:
    '033ca32afff61cf254dbe9d14900197557d3ec8000d68f3b02c4b72fe00a309fc5b5d3b5fcfd124a6910c65f6a20bb7010a2dfea9483097068f70d0e69022500',
};
const KNOWN_PROOF = {
  version: 'custos-por/1',
  snapshot_id: '2026-01-01T00:00:00Z',
  asset: 'BTC',
  user_id: 'self-test-b',
  salt: '0202020202020202020202020202020202020202020202020202020202020202',
  index: 0,
  value: '50000000',
  path: [{ hash: 'f214002d01080cac0486e49274979016dd2c84ff6b5eb9455752bf95b09de0ac', value: '150000000' }],
};

/**
 * Checks `crypto` and the verifier bundled with it against known answers: a browser (or a
 * bundle) that computes them wrongly must not be trusted to say "valid". Running it once the page
 * has loaded also warms the whole verification path up, so the check a person waits for takes
 * milliseconds, not tens of them.
 */
export function selfTest(crypto: PorCrypto): boolean {
  const forged = fromHex(RFC8032_SIGNATURE);
  forged[0] = forged[0]! ^ 1;
  const tampered = { ...KNOWN_PROOF, value: '50000001' };
  const known = verifyProof(crypto, KNOWN_PROOF, KNOWN_MANIFEST, RFC8032_KEY);
  const refused = verifyProof(crypto, tampered, KNOWN_MANIFEST, RFC8032_KEY);
  return (
    toHex(crypto.sha256(new TextEncoder().encode('abc'))) === ABC_SHA256 &&
    crypto.verifyEd25519(fromHex(RFC8032_KEY), new Uint8Array(0), fromHex(RFC8032_SIGNATURE)) &&
    !crypto.verifyEd25519(fromHex(RFC8032_KEY), new Uint8Array(0), forged) &&
    known.valid &&
    known.rootHash === KNOWN_MANIFEST.assets[0]!.root_hash &&
    !refused.valid &&
    refused.code === 'ROOT_MISMATCH'
  );
}
