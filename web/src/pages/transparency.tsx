import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { Link } from 'react-router';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatUnits } from '../../../src/domain/ledger/amount';
import type { Manifest } from '../../../src/domain/reserves/manifest';
import { verifyManifest } from '../../../src/domain/reserves/verify';
import { get } from '../api';
import { DataTable, ErrorNote, ExactTime, Notice, Page } from '../components/ui';
import { browserPorCrypto } from '../por/browser-crypto';

/** `GET /v1/reserves/history`: every published snapshot's figures, oldest first, and the signing key. */
export interface ReserveHistory {
  publicKey: string;
  items: {
    snapshotId: string;
    assets: {
      asset: string;
      decimals: number;
      totalLiabilities: string;
      reserves: string;
      reserveRatio: string | null;
    }[];
  }[];
}

/** Public: no session needed, shared by the transparency page and the customer's reserves page. */
export const useReserveHistory = () =>
  useQuery({ queryKey: ['por-history'], queryFn: () => get<ReserveHistory>('/v1/reserves/history') });

/** A ratio below 1.0000: the published reserves do not cover what customers are owed. */
export const isShort = (ratio: string | null) => ratio !== null && Number(ratio) < 1;

/** The ratio as published (4 decimals, rounded down), flagged in words when it is below 1. */
export function Ratio({ ratio }: { ratio: string | null }) {
  if (ratio === null) return <span className="muted">— (nothing owed)</span>;
  if (!isShort(ratio)) return <span data-short="false">{ratio}</span>;
  return (
    <strong className="ratio-short" data-short="true">
      {ratio} <span className="badge state-bad">below 1: not fully covered</span>
    </strong>
  );
}

/** A cell's heading, shown only on a phone, where a table row becomes a card without headings. */
export const CellLabel = ({ children }: { children: string }) => (
  <span className="por-cell-label">{children}: </span>
);

/** "2026-11-21 00:00 UTC": a snapshot id is a UTC time to the second. */
const utcLabel = (snapshotId: string) => `${snapshotId.slice(0, 10)} ${snapshotId.slice(11, 16)} UTC`;

/** Distinct line colours with enough contrast on white; the 1.0000 line is grey and dashed. */
const COLOURS = ['#0b5cad', '#b35c00', '#1e7b34', '#8e24aa', '#b3261e', '#00796b'];

/**
 * The reserve ratio of each asset over time, one line per asset, drawn by uPlot on a canvas
 * (which the CSP allows; uPlot sizes its elements through `element.style`, not style attributes).
 * The table below it carries the same numbers for screen readers and for copying.
 */
function RatioChart({ history, assets }: { history: ReserveHistory; assets: string[] }) {
  const box = useRef<HTMLDivElement>(null);
  const data = useMemo<uPlot.AlignedData>(
    () => [
      history.items.map((i) => Date.parse(i.snapshotId) / 1000),
      ...assets.map((a) =>
        history.items.map((i) => {
          const r = i.assets.find((x) => x.asset === a)?.reserveRatio;
          return r === null || r === undefined ? null : Number(r);
        }),
      ),
      // The line a ratio must stay on or above.
      history.items.map(() => 1),
    ],
    [history, assets],
  );

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 300,
        scales: { x: { time: true } },
        // Axis ticks in UTC, as the snapshot ids and the table below.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        series: [
          { label: 'Snapshot (UTC)', value: (_u, v) => (v === null ? '—' : utcLabel(isoOf(v))) },
          ...assets.map((a, i): uPlot.Series => ({
            label: a,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            spanGaps: false,
            points: { show: true, size: 6 },
            value: (_u, v) => (v === null ? '—' : v.toFixed(4)),
          })),
          {
            label: 'Fully covered (1.0000)',
            stroke: '#5b6672',
            width: 1,
            dash: [6, 4],
            points: { show: false },
            value: () => '1.0000',
          },
        ],
        axes: [{}, { label: 'Reserve ratio', values: (_u, ticks) => ticks.map((t) => t.toFixed(2)) }],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: 300 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [data, assets]);

  return (
    <div
      ref={box}
      className="ratio-chart"
      data-testid="ratio-chart"
      role="img"
      aria-label={`Reserve ratio of ${assets.join(', ')} at each snapshot; the table below lists the same numbers.`}
    />
  );
}

const isoOf = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The latest manifest, one line per asset: what is owed, what is held, and their ratio. */
function LatestSnapshot({ manifest, publicKey }: { manifest: Manifest; publicKey: string }) {
  // The signature is checked here too: a manifest altered on its way to this page shows it.
  const signature = verifyManifest(browserPorCrypto, manifest, publicKey);
  const short = manifest.assets.filter((a) => isShort(a.reserve_ratio)).map((a) => a.asset);
  const units = (v: string, decimals: number, asset: string) =>
    `${formatUnits(BigInt(v), decimals)} ${asset}`;
  return (
    <div className="card" data-testid="latest-snapshot">
      <h2>
        Latest snapshot: <ExactTime at={manifest.taken_at} />
      </h2>
      <p className="muted small">
        Snapshot <code>{manifest.snapshot_id}</code>
      </p>
      {short.length ? (
        <Notice kind="warn">
          <strong>
            {short.join(', ')}: the published reserves are less than what customers are owed (reserve ratio
            below 1.0000).
          </strong>
        </Notice>
      ) : null}
      <DataTable
        caption="Reserves and customer liabilities per asset at the latest snapshot"
        columns={['Asset', 'Reserves', 'Owed to customers', 'Reserve ratio', 'Customers counted']}
      >
        {manifest.assets.map((a) => (
          <tr key={a.asset} data-testid={`latest-${a.asset}`}>
            <td>
              <strong>{a.asset}</strong>
            </td>
            <td>
              <CellLabel>Reserves</CellLabel>
              {units(a.reserves, a.decimals, a.asset)}
            </td>
            <td>
              <CellLabel>Owed to customers</CellLabel>
              {units(a.total_liabilities, a.decimals, a.asset)}
            </td>
            <td>
              <CellLabel>Reserve ratio</CellLabel>
              <Ratio ratio={a.reserve_ratio} />
            </td>
            <td>
              <CellLabel>Customers counted</CellLabel>
              {a.leaf_count.toLocaleString()}
            </td>
          </tr>
        ))}
      </DataTable>
      <h3>The signed manifest</h3>
      <p>
        <a
          href="/v1/reserves/manifest"
          download={`custos-manifest-${manifest.snapshot_id.replace(/:/g, '')}.json`}
        >
          Download the manifest
        </a>{' '}
        (JSON, format <code>custos-por/1</code>): the roots of the trees and the figures above, signed with
        Ed25519.
      </p>
      <dl className="facts stack">
        <dt>Signing key (Ed25519, hex)</dt>
        <dd>
          <code className="secret" data-testid="public-key">
            {publicKey}
          </code>
        </dd>
        <dt>Signature</dt>
        <dd data-testid="signature-check">
          {signature.valid
            ? 'Valid under this key (checked in this browser).'
            : `Not valid under this key: ${signature.reason}`}
        </dd>
      </dl>
      <p className="small muted">
        This server gave you both the manifest and the key. To check them independently, compare the key with
        the one Custos publishes in other places (its website, announcements, auditors&apos; reports); it
        should rarely change.
      </p>
    </div>
  );
}

/** `/transparency`: public, no sign-in. The latest published ratios per asset and their history. */
export function TransparencyPage() {
  const history = useReserveHistory();
  const published = (history.data?.items.length ?? 0) > 0;
  // Asked for only once a snapshot exists: before that the API answers 404.
  const manifest = useQuery({
    queryKey: ['por-manifest', 'latest'],
    queryFn: () => get<Manifest>('/v1/reserves/manifest'),
    enabled: published,
  });
  const items = history.data?.items ?? [];
  // Every asset any snapshot listed, in the latest snapshot's order first.
  const assets = useMemo(
    () => [...new Set([...items].reverse().flatMap((i) => i.assets.map((a) => a.asset)))],
    [items],
  );

  return (
    <Page
      title="Proof of reserves"
      intro="What Custos owes its customers, per asset, and what it holds. At each snapshot every customer's balance goes into a Merkle sum tree; the signed manifest publishes each tree's root and total, and each customer can check that their own balance is counted."
    >
      <ErrorNote error={history.error ?? manifest.error} />
      {history.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {history.data && !published ? (
        <Notice>
          <span data-testid="no-snapshot">
            No snapshot has been published yet. The first one appears here as soon as it is taken.
          </span>
        </Notice>
      ) : null}
      {manifest.data && history.data ? (
        <LatestSnapshot manifest={manifest.data} publicKey={history.data.publicKey} />
      ) : null}
      {published && history.data ? (
        <div className="card">
          <h2>Reserve ratio over time</h2>
          <RatioChart history={history.data} assets={assets} />
          <DataTable
            caption="Reserve ratio per asset at each snapshot, newest first"
            columns={['Snapshot', ...assets]}
          >
            {[...items].reverse().map((i) => (
              <tr key={i.snapshotId} data-testid="history-row">
                <td>
                  <time dateTime={i.snapshotId}>{utcLabel(i.snapshotId)}</time>
                </td>
                {assets.map((a) => {
                  const line = i.assets.find((x) => x.asset === a);
                  return (
                    <td key={a}>
                      <CellLabel>{a}</CellLabel>
                      {line ? <Ratio ratio={line.reserveRatio} /> : '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </DataTable>
        </div>
      ) : null}
      <div className="card">
        <h2>What this shows, and what it does not</h2>
        <ul>
          <li>
            The total owed to customers is the root of a tree holding every customer&apos;s balance. Customers
            check their own place in it in the security center (
            <Link to="/security/reserves">Proof of reserves</Link>) or with the{' '}
            <a href="/por/verifier.html">standalone verifier</a>, which also works offline.
          </li>
          <li>
            The reserves are the balances of the wallets Custos lists as its own, some read from the chain and
            some as recorded by its staff. This page does not prove that Custos controls those wallets, nor
            that it owes nothing else.
          </li>
          <li>
            A ratio of 1.0000 or more means the listed reserves cover every customer balance in that asset.
          </li>
        </ul>
      </div>
    </Page>
  );
}
