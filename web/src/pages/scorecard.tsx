import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Grade, PillarResult } from '../../../src/domain/scorecard/profile';
import {
  type ReportEntry,
  type ScoreReport,
  showPoints,
  showValue,
} from '../../../src/domain/scorecard/report';
import { get } from '../api';
import { DataTable, ErrorNote, Page } from '../components/ui';

/** `GET /v1/scorecard`: the platform's self-assessment first, then the peer profiles. */
type PublicReport = ScoreReport & { computedAt: string; format: string };

const GRADE_STATE: Record<Grade, string> = {
  A: 'state-ok',
  B: 'state-ok',
  C: 'state-info',
  D: 'state-warn',
  E: 'state-bad',
  F: 'state-bad',
};

/** A source is a link only when it is an http(s) URL; anything else is shown as text. */
function Source({ source }: { source: string }) {
  return /^https?:\/\/\S+$/.test(source) ? (
    <a href={source} rel="noopener noreferrer" target="_blank">
      {source}
    </a>
  ) : (
    <span>{source}</span>
  );
}

/** One pillar's score as a bar; the numbers are in the text, the bar only repeats them. */
function PillarBar({ pillar }: { pillar: PillarResult }) {
  const pct = (pillar.score / 10) * 100;
  return (
    <div className="score-bar-row" data-testid="pillar-bar" data-pillar={pillar.pillar}>
      <span className="score-bar-label">
        {pillar.name} <span className="muted small">(weight {pillar.weight})</span>
      </span>
      <span className="score-bar" role="img" aria-label={`${pillar.name}: ${showPoints(pillar.score)} of 10`}>
        <span className="score-bar-fill" style={{ width: `${pct}%` }} />
      </span>
      <span className="score-bar-value">{showPoints(pillar.score)} / 10</span>
    </div>
  );
}

function PillarDetail({ pillar }: { pillar: PillarResult }) {
  return (
    <details className="scorecard-pillar" data-testid="pillar-detail">
      <summary>
        {pillar.name}: {showPoints(pillar.score)} of 10
      </summary>
      <DataTable
        caption={`${pillar.name}: criteria and evidence`}
        columns={['Criterion', 'Points', 'Finding', 'Evidence']}
      >
        {pillar.criteria.map((c) => (
          <tr key={c.id} data-testid="criterion" data-criterion={c.id} data-known={c.evidence !== 'unknown'}>
            <td>
              <code>{c.id}</code>
            </td>
            <td>
              {showPoints(c.points)} / {showPoints(c.maxPoints)}
            </td>
            <td>
              {c.evidence === 'unknown' ? (
                <span className="muted">Unknown{c.unknownNote ? `: ${c.unknownNote}` : ''}</span>
              ) : (
                <>
                  <strong>{showValue(c.evidence.value)}</strong>: {c.reason}
                </>
              )}
            </td>
            <td className="small">
              {c.evidence === 'unknown' ? (
                '—'
              ) : (
                <>
                  <Source source={c.evidence.source} /> ({c.evidence.date})
                  {c.evidence.note ? <span className="muted"> {c.evidence.note}</span> : null}
                </>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </details>
  );
}

function SelfCard({ entry, computedAt }: { entry: ReportEntry; computedAt: string }) {
  const { card } = entry;
  const gapPoints = card.unknowns.reduce((s, g) => s + g.points, 0);
  return (
    <>
      <div className="card" data-testid="self-score">
        <h2>
          {card.profile}: <span data-testid="score">{card.score.toFixed(1)}</span> / 100{' '}
          <span className={`badge ${GRADE_STATE[card.grade]}`} data-testid="grade">
            grade {card.grade}
          </span>
        </h2>
        <p className="small muted">
          Assessed {card.asOf} from this platform&apos;s live configuration and data (computed{' '}
          <time dateTime={computedAt}>{new Date(computedAt).toLocaleString()}</time>).
          {entry.description ? ` ${entry.description}` : ''}
        </p>
        {card.pillars.map((p) => (
          <PillarBar key={p.pillar} pillar={p} />
        ))}
      </div>
      <div className="card">
        <h2>Evidence, pillar by pillar</h2>
        <p className="small muted">
          Every point cites where it came from. Open a pillar to see its criteria.
        </p>
        {card.pillars.map((p) => (
          <PillarDetail key={p.pillar} pillar={p} />
        ))}
      </div>
      <div className="card">
        <h2>Gaps</h2>
        {card.unknowns.length === 0 ? (
          <p>Every fact is known.</p>
        ) : (
          <>
            <p data-testid="gap-summary">
              {card.unknowns.length} facts are unknown and earn nothing: {showPoints(gapPoints)} pillar
              points. Custos cannot see them for itself (custody, insurance, licences, support); the operator
              states them, with sources, in the scorecard facts file.
            </p>
            <ul className="small">
              {card.unknowns.map((g) => (
                <li key={g.criterion} data-testid="gap">
                  <code>{g.criterion}</code> ({showPoints(g.points)} pt){g.note ? `: ${g.note}` : ''}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <div className="card">
        <h2>For whom</h2>
        <DataTable
          caption="The score with each persona's weights"
          columns={['Persona', 'Score', 'Grade', 'Look at']}
        >
          {entry.verdicts.map((v) => (
            <tr key={v.persona} data-testid="verdict">
              <td>{v.name}</td>
              <td>{v.score.toFixed(1)}</td>
              <td>{v.grade}</td>
              <td>
                {v.concerns.length
                  ? v.concerns.map((id) => entry.card.pillars.find((p) => p.pillar === id)?.name).join(', ')
                  : '—'}
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
    </>
  );
}

/** `/scorecard`: public. The platform scored by the eight-pillar methodology from live data, beside its peers. */
export function ScorecardPage() {
  const q = useQuery({ queryKey: ['scorecard'], queryFn: () => get<PublicReport>('/v1/scorecard') });
  const [self, ...peers] = q.data?.entries ?? [];
  return (
    <Page
      title="Safety scorecard"
      intro="How safe is this platform? Custos scores it on eight weighted pillars from what it can check for itself: its configuration, its proof-of-reserves snapshots and its audit log. Unknown facts earn nothing."
    >
      <ErrorNote error={q.error} />
      {q.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {self && q.data ? <SelfCard entry={self} computedAt={q.data.computedAt} /> : null}
      {self && peers.length > 0 ? (
        <div className="card">
          <h2>Beside other exchanges</h2>
          <p className="small muted">
            Peer profiles are built from public sources with their dates; what those sources do not say is
            unknown and earns nothing, so a low score can mean little is disclosed.
          </p>
          <DataTable
            caption="Scores of this platform and its peers"
            columns={['Profile', 'As of', 'Score', 'Grade', ...self.card.pillars.map((p) => p.name)]}
          >
            {[self, ...peers].map((e) => (
              <tr key={e.card.profile} data-testid="peer-row">
                <td>{e.card.profile}</td>
                <td>{e.card.asOf}</td>
                <td>{e.card.score.toFixed(1)}</td>
                <td>{e.card.grade}</td>
                {e.card.pillars.map((p) => (
                  <td key={p.pillar}>{showPoints(p.score)}</td>
                ))}
              </tr>
            ))}
          </DataTable>
        </div>
      ) : null}
      {self ? (
        <div className="card">
          <h2>The full report</h2>
          <p>
            <a href="/v1/scorecard/report.html" data-testid="report-link">
              Open the full report
            </a>{' '}
            with charts and the control-by-control comparison, or{' '}
            <a href="/v1/scorecard/report.html?download=1">download it</a> as one HTML file that works
            offline.
          </p>
          <p className="small muted">
            The methodology, every criterion and why it earns its points: docs/scorecard-methodology.md in the
            Custos repository. Reserves behind the proof-of-reserves pillar:{' '}
            <Link to="/transparency">Transparency</Link>.
          </p>
        </div>
      ) : null}
    </Page>
  );
}
