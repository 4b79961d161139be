/**
 * Every email Custos sends has the same frame: the user's anti-phishing code first (so a
 * phishing copy stands out), the message, an optional action, and a single-use "this wasn't me"
 * link that locks the account.
 */
export interface EmailContent {
  readonly subject: string;
  readonly lines: readonly string[];
  readonly action?: { readonly label: string; readonly url: string } | undefined;
  readonly antiPhishingCode: string | null;
  readonly notMeUrl: string | null;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderEmail(c: EmailContent): { subject: string; text: string; html: string } {
  const code = c.antiPhishingCode
    ? `Your anti-phishing code: ${c.antiPhishingCode}`
    : 'You have not set an anti-phishing code. Set one in your security center so you can tell our emails from fakes.';
  const text = [
    code,
    '',
    ...c.lines,
    ...(c.action ? ['', `${c.action.label}: ${c.action.url}`] : []),
    ...(c.notMeUrl
      ? ['', `This wasn't me: ${c.notMeUrl}`, 'Opening that link and confirming locks your account at once.']
      : []),
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;max-width:600px">',
    `<p style="padding:8px;border:1px solid #888"><strong>${escapeHtml(code)}</strong></p>`,
    ...c.lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    c.action ? `<p><a href="${escapeHtml(c.action.url)}">${escapeHtml(c.action.label)}</a></p>` : '',
    c.notMeUrl
      ? `<p><a href="${escapeHtml(c.notMeUrl)}">This wasn't me</a> &mdash; opening this link and confirming locks your account at once.</p>`
      : '',
    '</body></html>',
  ].join('');
  const subject = c.antiPhishingCode ? `[${c.antiPhishingCode}] ${c.subject}` : c.subject;
  return { subject, text, html };
}
