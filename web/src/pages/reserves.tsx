import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { formatUnits } from '../../../src/domain/ledger/amount';
import { isHashHex } from '../../../src/domain/reserves/encoding';
import { get } from '../api';
import { PorVerifyPanel } from '../components/por-verify-panel';
import { useAssets } from '../components/queries';
import { DataTable, ErrorNote, Field, Notice, Page } from '../components/ui';
import { browserPorCrypto } from '../por/browser-crypto';
import { checkProof } from '../por/check-proof';
import { type ReserveHistory, useReserveHistory } from './transparency';

/** `GET /v1/me/reserves/snapshots`: the published snapshots in which the customer holds assets. */
interface MySnapshot {
  snapshotId: string;
  takenAt: string;
  holdings: { asset: string; value: string }[];
}

/** What "Verify in this browser" loads: the customer's proofs, and the manifest as published to all. */
interface Loaded {
  proofs: unknown[];
  manifest: unknown;
  /** The manifest sent with the proofs is the one everyone is served (same signature). */
  sameManifest: boolean;
}

const signatureOf = (m: unknown) =>
  typeof m === 'object' && m !== null ? (m as { signature?: unknown }).signature : undefined;

const when = (at: string) =>
  new Date(at).toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' });

/** `/security/reserves`: the customer's proofs of inclusion, downloaded or verified in the page. */
export function ReservesPage() {
  const mine = useQuery({
    queryKey: ['por-snapshots'],
    queryFn: () => get<{ items: MySnapshot[] }>('/v1/me/reserves/snapshots'),
  });
  const history = useReserveHistory();
  const [pasted, setPasted] = useState('');
  const served = history.data?.publicKey ?? '';
  const own = pasted.trim().toLowerCase();
  const trustedKey = own || served;
  const items = mine.data?.items ?? [];

  return (
    <Page
      title="Proof of reserves"
      intro="At each snapshot Custos puts every customer's balance into a public Merkle sum tree per asset and signs the totals. Your proofs show that your balance is counted in the total Custos published as owed to customers; you can check them here, or offline."
    >
      <ErrorNote error={mine.error ?? history.error} />
      <div className="card" data-testid="trusted-key">
        <h2>The key your proofs are checked against</h2>
        <p>
          {own
            ? 'This page uses the key you entered below:'
            : 'This page uses the signing key this server gave it:'}
        </p>
        <p>
          <code className="secret" data-testid="key-in-use">
            {trustedKey || '…'}
          </code>
        </p>
        <p>
          That key comes from the same server whose figures you are checking, so on its own it proves little.
          For an independent check, compare it with the key Custos publishes elsewhere (its website,
          announcements, auditors&apos; reports), or paste a key you obtained that way: it replaces the one
          above.
        </p>
        <Field
          label="Public key you obtained independently (optional)"
          value={pasted}
          onChange={setPasted}
          required={false}
          autoComplete="off"
          hint="64 hexadecimal characters. Leave empty to use the key shown above."
        />
        {own && !isHashHex(own) ? (
          <Notice kind="warn">This is not a key: a key is 64 hexadecimal characters (0-9, a-f).</Notice>
        ) : own && served && own !== served ? (
          <Notice kind="warn">
            It differs from the key this server gave the page. If you took it from Custos&apos;s published
            channels, the manifests this server serves are not signed with it, and no proof verifies.
          </Notice>
        ) : own && own === served ? (
          <Notice kind="ok">It matches the key this server gave the page.</Notice>
        ) : null}
      </div>

      {mine.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {mine.data && items.length === 0 ? (
        <Notice>
          <span data-testid="no-snapshot">
            No snapshot includes you yet. Custos takes snapshots regularly; the first one taken while you hold
            a balance appears here, with your proofs.
          </span>
        </Notice>
      ) : null}
      {items.map((s) => (
        <SnapshotCard key={s.snapshotId} snapshot={s} history={history.data} trustedKey={trustedKey} />
      ))}

      <div className="card">
        <h2>Verify without this page</h2>
        <p>
          The standalone verifier is a single HTML file that checks the same proofs with the same code, and
          sends nothing anywhere. Save it, disconnect from the network and open it from your disk; give it
          your proofs file, the snapshot&apos;s manifest and the key.
        </p>
        <p>
          <a href="/por/verifier.html">Open the standalone verifier</a> ·{' '}
          <a href="/por/verifier.html?download=1" download="custos-por-verifier.html">
            Download the standalone verifier
          </a>
        </p>
        <p>
          The published figures of every snapshot are on the <Link to="/transparency">transparency page</Link>
          .
        </p>
      </div>
    </Page>
  );
}

function SnapshotCard({
  snapshot: s,
  history,
  trustedKey,
}: {
  snapshot: MySnapshot;
  history: ReserveHistory | undefined;
  trustedKey: string;
}) {
  const assets = useAssets();
  const [requested, setRequested] = useState(false);
  const id = s.snapshotId;
  // Snapshot ids are UTC times ("2026-11-21T00:00:00Z"): safe in a path as they are.
  const loaded = useQuery({
    queryKey: ['por-proofs', id],
    queryFn: async (): Promise<Loaded> => {
      const [own, published] = await Promise.all([
        get<{ manifest: unknown; proofs: unknown[] }>(`/v1/me/reserves/snapshots/${id}/proofs`),
        get<unknown>(`/v1/reserves/manifests/${id}`),
      ]);
      return {
        proofs: own.proofs,
        manifest: published,
        sameManifest: signatureOf(own.manifest) === signatureOf(published),
      };
    },
    enabled: requested,
    // A published snapshot never changes.
    staleTime: Infinity,
  });
  // The asset's decimals as the snapshot recorded them, else the platform's.
  const decimals = (asset: string) =>
    history?.items.find((i) => i.snapshotId === id)?.assets.find((a) => a.asset === asset)?.decimals ??
    assets.data?.items.find((a) => a.symbol === asset)?.decimals;
  const show = (value: string, asset: string) => {
    const d = decimals(asset);
    return d === undefined
      ? `${value} (smallest units of ${asset})`
      : `${formatUnits(BigInt(value), d)} ${asset}`;
  };
  const file = id.replace(/:/g, '');

  return (
    <div className="card" data-testid="por-snapshot" data-snapshot={id}>
      <h2>
        Snapshot of <time dateTime={s.takenAt}>{when(s.takenAt)}</time>
      </h2>
      <p className="muted small">
        Snapshot <code>{id}</code>
      </p>
      <DataTable
        caption={`Your balances counted in the snapshot of ${when(s.takenAt)}`}
        columns={['Asset', 'Your balance']}
      >
        {s.holdings.map((h) => (
          <tr key={h.asset} data-testid={`holding-${h.asset}`}>
            <td>{h.asset}</td>
            <td>{show(h.value, h.asset)}</td>
          </tr>
        ))}
      </DataTable>
      <div className="actions">
        <a
          className="button"
          href={`/v1/me/reserves/snapshots/${id}/proofs?format=jsonl`}
          download={`custos-proofs-${file}.jsonl`}
        >
          Download my proofs<span className="sr-only"> of the snapshot of {when(s.takenAt)}</span>
        </a>
        <button
          type="button"
          className="primary"
          disabled={loaded.isFetching}
          onClick={() => (requested ? void loaded.refetch() : setRequested(true))}
        >
          {loaded.isFetching ? 'Verifying…' : loaded.data ? 'Verify again' : 'Verify in this browser'}
          <span className="sr-only"> the snapshot of {when(s.takenAt)}</span>
        </button>
        <a href={`/v1/reserves/manifests/${id}`} download={`custos-manifest-${file}.json`}>
          Download the manifest
        </a>
      </div>
      <ErrorNote error={loaded.error} />
      {loaded.data ? <Results loaded={loaded.data} trustedKey={trustedKey} /> : null}
    </div>
  );
}

/** One verdict per proof (one proof per asset): ✓ with the amount and total, or the reason. */
function Results({ loaded, trustedKey }: { loaded: Loaded; trustedKey: string }) {
  const checks = useMemo(
    () => loaded.proofs.map((p) => checkProof(browserPorCrypto, p, loaded.manifest, trustedKey)),
    [loaded, trustedKey],
  );
  const failed = checks.filter((c) => !c.valid).length;
  return (
    <div className="por-results" data-testid="por-results">
      <h3>Checked in this browser</h3>
      {!loaded.sameManifest ? (
        <Notice kind="warn">
          The manifest sent with your proofs differs from the one published to everyone. Your proofs were
          checked against the published one.
        </Notice>
      ) : null}
      <p role="status" data-testid="por-summary">
        {failed === 0
          ? `All ${checks.length} of your proofs verify against the published manifest.`
          : `${failed} of ${checks.length} proofs do not verify. Each reason is below.`}
      </p>
      {loaded.proofs.map((p, i) => {
        const c = checks[i]!;
        const asset = c.valid
          ? c.asset
          : String((p as { asset?: unknown } | null)?.asset ?? `proof ${i + 1}`);
        return (
          <section
            key={`${asset}-${i}`}
            className={c.valid ? 'por-result valid' : 'por-result rejected'}
            data-testid="por-result"
            data-asset={asset}
            data-valid={c.valid}
          >
            <h4>
              <span aria-hidden="true">{c.valid ? '✓' : '✗'}</span> {asset}:{' '}
              {c.valid
                ? `${c.amount} ${asset}, counted in the published total of ${c.totalLiabilities} ${asset}`
                : `not verified (${c.code})`}
            </h4>
            <PorVerifyPanel proof={p} manifest={loaded.manifest} trustedPublicKey={trustedKey} />
          </section>
        );
      })}
    </div>
  );
}
