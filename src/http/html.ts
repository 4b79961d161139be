export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** A plain server-rendered page (no script), for the few pages the API serves itself. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title.startsWith('Custos') ? title : `${title} · Custos`)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{white-space:pre-wrap;background:#f5f5f5;padding:.75rem;border-radius:4px}article{border-bottom:1px solid #ddd;padding:.5rem 0}
code{background:#f0f0f0;padding:0 .25rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
.method{font-weight:bold;text-transform:uppercase}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
