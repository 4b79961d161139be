import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustosError } from '../../domain/errors.js';
import { ScorecardError } from '../../domain/scorecard/methodology.js';
import { renderHtml } from '../../domain/scorecard/render-html.js';
import { reportJson } from '../../domain/scorecard/report.js';
import { publicScorecard, type PublicScorecard } from '../../services/scorecard/public-scorecard.js';
import type { AppEnv } from '../env.js';
import { ok } from '../openapi.js';

/**
 * The standalone report may style itself inline and load nothing: no script, no fetch, no frame.
 * (It carries the same policy in a meta tag for when it is saved and opened from disk.)
 */
const REPORT_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "frame-ancestors 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join('; ');

const Report = z.object({}).passthrough().openapi('ScoreReport', {
  description:
    'A custos-scorecard/1 report: weights, one entry per profile (score, grade, pillars with the evidence behind each point, unknowns, persona verdicts) and the control-by-control matrix (docs/scorecard-methodology.md)',
});

/** The platform's report, or SCORECARD_UNAVAILABLE when the operator's facts file is broken. */
async function scorecardOf(c: { get(k: 'deps'): AppEnv['Variables']['deps'] }): Promise<PublicScorecard> {
  try {
    return await publicScorecard(c.get('deps'));
  } catch (e) {
    if (e instanceof ScorecardError) throw new CustosError('SCORECARD_UNAVAILABLE', { cause: e });
    throw e;
  }
}

/** The public safety scorecard (S10): the platform assessed from live data, beside its peers. */
export function scorecardRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/scorecard',
      tags: ['Scorecard'],
      summary:
        'The platform’s safety scorecard from its live configuration and data, then the peer profiles, with the comparison matrix (public)',
      responses: ok(Report),
    }),
    async (c) => {
      const { report, computedAt } = await scorecardOf(c);
      return new Response(reportJson(report, { computedAt: computedAt.toISOString() }), {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=60' },
      }) as never;
    },
  );
  app.get('/v1/scorecard/report.html', async (c) => {
    const { report, computedAt } = await scorecardOf(c);
    const html = renderHtml(report, {
      title: `Safety scorecard: ${report.entries[0]?.card.profile ?? 'this platform'}`,
      generatedAt: computedAt.toISOString(),
    });
    return c.html(html, 200, {
      'Content-Security-Policy': REPORT_CSP,
      'Cache-Control': 'public, max-age=60',
      ...(c.req.query('download') === '1'
        ? { 'Content-Disposition': 'attachment; filename="custos-scorecard.html"' }
        : {}),
    });
  });
  return app;
}
