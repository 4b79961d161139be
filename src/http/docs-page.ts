import { escapeHtml, page } from './html.js';

interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        description?: string;
        tags?: string[];
        requestBody?: unknown;
        parameters?: unknown[];
      }
    >
  >;
}

/**
 * The API reference at /docs, rendered on the server from the OpenAPI document: no script and
 * nothing loaded from another host.
 */
export function renderDocsPage(doc: OpenApiDoc): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'Other';
      const requestSchema = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)
        ?.content?.['application/json']?.schema;
      const row = `<tr><td class="method">${escapeHtml(method)}</td><td><code>${escapeHtml(path)}</code></td>
        <td>${escapeHtml(op.summary ?? '')}${op.description ? `<br><small>${escapeHtml(op.description)}</small>` : ''}
        ${requestSchema ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(requestSchema, null, 2))}</pre></details>` : ''}</td></tr>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
    }
  }
  const sections = [...byTag.entries()]
    .map(
      ([tag, rows]) =>
        `<h2>${escapeHtml(tag)}</h2><table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>${rows.join('')}</table>`,
    )
    .join('');
  return page(
    `${doc.info.title} ${doc.info.version}`,
    `<p>${escapeHtml(doc.info.description ?? '')}</p>
     <p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors always have the shape
     <code>{ "error": { "code", "message", "requestId" } }</code>.</p>${sections}`,
  );
}
