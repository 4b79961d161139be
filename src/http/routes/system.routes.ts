import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { errorBody } from '../errors.js';
import { escapeHtml, page } from '../html.js';

/** Liveness, readiness, metrics, and (outside production) the development mailbox. */
export function systemRoutes(options: { isDraining: () => boolean }) {
  const app = new Hono<AppEnv>();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const deps = c.get('deps');
    if (options.isDraining())
      return c.json(errorBody('NOT_READY', 'Shutting down.', c.get('requestId')), 503);
    try {
      await deps.database.ping();
      return c.json({ status: 'ready', database: deps.database.kind });
    } catch (err) {
      deps.log.error({ err }, 'readiness check failed');
      return c.json(errorBody('NOT_READY', 'The database is not reachable.', c.get('requestId')), 503);
    }
  });

  app.get('/metrics', async (c) => {
    const { registry } = c.get('deps').metrics;
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });

  app.get('/dev/mailbox', async (c) => {
    const deps = c.get('deps');
    if (!deps.config.devMailbox) return c.json(errorBody('NOT_FOUND', 'Not found.', c.get('requestId')), 404);
    const rows = await deps.db
      .selectFrom('dev_mailbox')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(100)
      .execute();
    if (c.req.query('format') === 'json' || c.req.header('Accept')?.includes('application/json')) {
      return c.json({
        items: rows.map((m) => ({
          id: m.id,
          to: m.to_address,
          subject: m.subject,
          text: m.text_body,
          html: m.html_body,
          createdAt: m.created_at.toISOString(),
        })),
      });
    }
    return c.html(
      page(
        'Development mailbox',
        `<p>Emails Custos would have sent. This page exists only outside production, when no SMTP_URL is set.</p>
        ${rows.length === 0 ? '<p>No email yet.</p>' : ''}
        ${rows
          .map(
            (m) => `<article><h2>${escapeHtml(m.subject)}</h2>
            <p><small>To ${escapeHtml(m.to_address)} at ${m.created_at.toISOString()}</small></p>
            <pre>${linkify(escapeHtml(m.text_body))}</pre></article>`,
          )
          .join('')}`,
      ),
    );
  });

  return app;
}

const linkify = (escaped: string) => escaped.replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');
