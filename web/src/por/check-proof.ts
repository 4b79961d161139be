import { formatUnits } from '../../../src/domain/ledger/amount';
import type { Manifest } from '../../../src/domain/reserves/manifest';
import {
  type PorCrypto,
  type Rejected,
  type RejectionCode,
  REJECTIONS,
  verifyManifest,
  type VerifiedProof,
  verifyProofAgainst,
} from '../../../src/domain/reserves/verify';

/**
 * A verified proof as a person reads it: the domain verifier's result with the amounts formatted
 * with the asset's decimals from the (verified) manifest. Strings only, so it crosses
 * `postMessage`, `page.evaluate` and React props unchanged.
 */
export interface ProofReport {
  readonly valid: true;
  readonly snapshotId: string;
  readonly takenAt: string;
  readonly asset: string;
  readonly userId: string;
  /** The user's balance counted in the tree, e.g. "1.5" (BTC). */
  readonly amount: string;
  /** The same in the asset's smallest unit, as the proof carries it. */
  readonly value: string;
  readonly rootHash: string;
  /** The asset's total customer liabilities (the root's value), formatted. */
  readonly totalLiabilities: string;
  readonly reserves: string;
  /** `reserves / total_liabilities`, 4 decimals rounded down; null when nothing is owed. */
  readonly reserveRatio: string | null;
}

/** The outcome of one check: a report, or the verifier's stable rejection code and reason. */
export type ProofCheck = ProofReport | Rejected;

function rejected(code: RejectionCode, detail: string): Rejected {
  return { valid: false, code, reason: `${REJECTIONS[code]} (${detail})` };
}

type Read =
  { readonly ok: true; readonly values: unknown[] } | { readonly ok: false; readonly detail: string };

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Reads what a person pasted or picked: one JSON document (a proof or a manifest, possibly
 * pretty-printed), or JSON Lines (a proofs file: one proof a line). A value that is not text is
 * taken as already parsed.
 */
export function readJsonInput(input: unknown): Read {
  if (typeof input !== 'string') return { ok: true, values: [input] };
  const text = input.trim();
  if (text === '') return { ok: false, detail: 'nothing was given' };
  try {
    return { ok: true, values: [JSON.parse(text)] };
  } catch (whole) {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length < 2) return { ok: false, detail: `not JSON: ${errorText(whole)}` };
    const values: unknown[] = [];
    for (const [i, line] of lines.entries()) {
      try {
        values.push(JSON.parse(line));
      } catch (e) {
        return { ok: false, detail: `line ${i + 1} is not JSON: ${errorText(e)}` };
      }
    }
    return { ok: true, values };
  }
}

function report(manifest: Manifest, r: VerifiedProof): ProofReport {
  // Verified: the manifest lists the proof's asset.
  const line = manifest.assets.find((a) => a.asset === r.asset)!;
  const units = (v: bigint) => formatUnits(v, line.decimals);
  return {
    valid: true,
    snapshotId: r.snapshotId,
    takenAt: manifest.taken_at,
    asset: r.asset,
    userId: r.userId,
    amount: units(r.value),
    value: r.value.toString(),
    rootHash: r.rootHash,
    totalLiabilities: units(r.totalLiabilities),
    reserves: units(BigInt(line.reserves)),
    reserveRatio: line.reserve_ratio,
  };
}

/**
 * Verifies every proof in `proofs` (an object, or text holding one proof or JSON Lines of proofs)
 * against `manifest` (an object or its JSON text) under `trustedPublicKeyHex`, with the same
 * domain verifier the server and the CLI run. The manifest is checked first, as `verifyProof`
 * does: a manifest that fails is the one result.
 *
 * @example
 *   const [r] = checkProofs(browserPorCrypto, proofText, manifestText, keyHex);
 *   if (!r.valid) show(r.code, r.reason);
 */
export function checkProofs(
  crypto: PorCrypto,
  proofs: unknown,
  manifest: unknown,
  trustedPublicKeyHex: string,
): ProofCheck[] {
  const m = readJsonInput(manifest);
  if (!m.ok) return [rejected('MALFORMED_MANIFEST', m.detail)];
  if (m.values.length !== 1)
    return [rejected('MALFORMED_MANIFEST', `${m.values.length} JSON lines, not one`)];
  const verified = verifyManifest(crypto, m.values[0], trustedPublicKeyHex);
  if (!verified.valid) return [verified];
  const p = readJsonInput(proofs);
  if (!p.ok) return [rejected('MALFORMED_PROOF', p.detail)];
  return p.values.map((proof) => {
    const r = verifyProofAgainst(crypto, proof, verified);
    return r.valid ? report(verified.manifest, r) : r;
  });
}

/**
 * The same for exactly one proof: text holding several proofs is MALFORMED_PROOF here.
 * What the standalone page exposes as `window.custosVerify`.
 */
export function checkProof(
  crypto: PorCrypto,
  proof: unknown,
  manifest: unknown,
  trustedPublicKeyHex: string,
): ProofCheck {
  const results = checkProofs(crypto, proof, manifest, trustedPublicKeyHex);
  if (results.length === 1) return results[0]!;
  return rejected('MALFORMED_PROOF', `${results.length} proofs were given, verify one at a time`);
}
