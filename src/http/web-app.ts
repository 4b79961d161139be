import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { Config } from '../config.js';
import type { AppEnv } from './env.js';
import { escapeHtml, page } from './html.js';
import { inlinePageCsp } from './middleware/security-headers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Paths the API itself answers: never the web app's page. */
const SERVER_PATHS = /^\/(v1|docs|openapi\.json|dev|healthz|readyz|metrics)(\/|$)/;

interface Asset {
  readonly body: Uint8Array;
  readonly type: string;
}

/** The package root: the nearest folder above this file with a package.json (src/ and dist/ alike). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

export const defaultWebDir = () => path.join(packageRoot(), 'dist', 'web');

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const rel = `/${path.relative(dir, full).split(path.sep).join('/')}`;
        assets.set(rel, {
          body: fs.readFileSync(full),
          type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream',
        });
      }
    }
  };
  walk(dir);
  return assets;
}

/** The standalone proof-of-reserves verifier, one self-contained file (web/por-verifier/). */
const VERIFIER_FILE = 'por-verifier.html';
export const POR_VERIFIER_PATH = '/por/verifier.html';

/**
 * The SHA-256 (base64) of each inline script's and style's exact text, in document order. One
 * pass over both kinds, so a `<style` inside a script's text is never taken for an element.
 */
export function inlineHashes(html: string): { scripts: string[]; styles: string[] } {
  const hashes = { scripts: [] as string[], styles: [] as string[] };
  for (const m of html.matchAll(/<(script|style)\b[^>]*>([\s\S]*?)<\/\1\s*>/gi)) {
    const digest = createHash('sha256').update(m[2]!, 'utf8').digest('base64');
    (m[1]!.toLowerCase() === 'script' ? hashes.scripts : hashes.styles).push(digest);
  }
  return hashes;
}

/**
 * `/por/verifier.html`: the page anyone can use to check a proof, and save to check offline
 * (`?download=1` answers it as an attachment). Its inline script and style are allowed by their
 * hashes, computed here from the built file, and it may connect nowhere.
 */
function mountPorVerifier(app: Hono<AppEnv>, dir: string): void {
  const file = path.join(dir, VERIFIER_FILE);
  if (!fs.existsSync(file)) return;
  const body = fs.readFileSync(file, 'utf8');
  const csp = inlinePageCsp(inlineHashes(body));
  app.get(POR_VERIFIER_PATH, (c) =>
    c.html(body, 200, {
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-cache',
      ...(c.req.query('download') === '1'
        ? { 'Content-Disposition': 'attachment; filename="custos-por-verifier.html"' }
        : {}),
    }),
  );
}

/**
 * Serves the security center built by Vite (dist/web): hashed assets with a year of caching, and
 * the app's page for every other GET that is not the API's. The page carries the client
 * configuration in a meta tag, so the strict CSP (scripts from this origin only) holds.
 */
export function mountWebApp(app: Hono<AppEnv>, config: Config, dir = defaultWebDir()): boolean {
  mountPorVerifier(app, dir);
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    app.get('/', (c) =>
      c.html(
        page(
          'Custos is running',
          `<p>Custos is running. The API reference is at <a href="/docs">/docs</a>.</p>
           <p>The security center is not built: run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p>
           ${config.devMailbox ? '<p>Emails go to the <a href="/dev/mailbox">development mailbox</a>.</p>' : ''}`,
        ),
      ),
    );
    return false;
  }
  const assets = loadAssets(dir);
  // Only at its own path, with its own policy: under the app's CSP its inline script would not run.
  assets.delete(`/${VERIFIER_FILE}`);
  const clientConfig = JSON.stringify({
    devMailbox: config.devMailbox,
    passwordMinLength: config.PASSWORD_MIN_LENGTH,
    // Public facts: the admin console lists them without a customer session.
    assets: config.assets.map((a) => ({ symbol: a.symbol, decimals: a.decimals, network: a.network })),
  });
  const html = fs
    .readFileSync(index, 'utf8')
    .replace(
      '<meta name="custos-config" content="{}" />',
      `<meta name="custos-config" content="${escapeHtml(clientConfig)}" />`,
    );

  app.get('*', async (c, next) => {
    const p = c.req.path;
    if (SERVER_PATHS.test(p)) return next();
    const asset = p === '/index.html' ? undefined : assets.get(p);
    if (asset) {
      const immutable = p.startsWith('/assets/');
      return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': asset.type,
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
    // A missing hashed asset is a 404, not the page (a stale tab asking for an old build).
    if (p.startsWith('/assets/') || path.extname(p)) return next();
    return c.html(html, 200, { 'Cache-Control': 'no-store' });
  });
  return true;
}
