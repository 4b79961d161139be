import { useMemo } from 'react';
import type { Rejected } from '../../../src/domain/reserves/verify';
import { browserPorCrypto } from '../por/browser-crypto';
import { checkProofs, type ProofReport } from '../por/check-proof';

export interface PorVerifyPanelProps {
  /** The inclusion proof: the parsed object, or its text (JSON, or JSON Lines of several proofs). */
  readonly proof: unknown;
  /** The snapshot's signed manifest: the parsed object or its JSON text. */
  readonly manifest: unknown;
  /**
   * The platform's Ed25519 public key (hex) as the user obtained it independently: from the
   * configuration the page was built with, never from the manifest being checked.
   */
  readonly trustedPublicKey: string;
}

/**
 * Verifies proofs in this browser with the same domain verifier the server and the CLI run, and
 * shows each verdict: the balance and totals when valid, the stable rejection code and its reason
 * otherwise. It fetches nothing: the page that uses it loads the proof and the manifest.
 *
 * @example
 *   <PorVerifyPanel proof={proofs[0]} manifest={manifest} trustedPublicKey={config.porPublicKey} />
 */
export function PorVerifyPanel({ proof, manifest, trustedPublicKey }: PorVerifyPanelProps) {
  // Synchronous and a few milliseconds a proof: computed while rendering, again only on new input.
  const results = useMemo(
    () => checkProofs(browserPorCrypto, proof, manifest, trustedPublicKey),
    [proof, manifest, trustedPublicKey],
  );
  return (
    <div className="por-verify" data-testid="por-verify-panel">
      {results.map((r, i) =>
        r.valid ? <ValidProof key={`${i}-${r.asset}`} report={r} /> : <RejectedProof key={i} rejected={r} />,
      )}
    </div>
  );
}

function ValidProof({ report: r }: { report: ProofReport }) {
  return (
    <div className="note ok" role="status" data-testid="por-verify-valid">
      <p>
        <strong>Verified: your {r.asset} balance is counted in the published total.</strong>
      </p>
      <dl className="facts">
        <dt>Your balance</dt>
        <dd>
          {r.amount} {r.asset}
        </dd>
        <dt>Snapshot</dt>
        <dd>{r.snapshotId}</dd>
        <dt>Root hash</dt>
        <dd>
          <code>{r.rootHash}</code>
        </dd>
        <dt>Total customer liabilities</dt>
        <dd>
          {r.totalLiabilities} {r.asset}
        </dd>
        <dt>Reserves (as published)</dt>
        <dd>
          {r.reserves} {r.asset}
        </dd>
        <dt>Reserve ratio</dt>
        <dd>{r.reserveRatio ?? 'none (nothing owed)'}</dd>
      </dl>
    </div>
  );
}

function RejectedProof({ rejected }: { rejected: Rejected }) {
  return (
    <div className="note error" role="alert" data-testid="por-verify-rejected">
      <p>
        <strong>
          Not verified: <code>{rejected.code}</code>
        </strong>
      </p>
      <p>{rejected.reason}</p>
    </div>
  );
}
