import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { useHarness } from '../fixtures/harness.js';

const h = useHarness();
let app: ReturnType<typeof createApp>;

/** A stand-in for the Vite build: the server's part is tested without building the app. */
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><meta name="custos-config" content="{}" /></head><body><div id="root"></div><script type="module" src="/assets/app-1a2b.js"></script></body></html>',
  );
  fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log("app")');
  app = createApp(h.deps, { webDir: dir });
});

describe('the security center is served by the API server', () => {
  it('answers page paths with the app, carrying its configuration and the strict CSP', async () => {
    for (const p of ['/', '/sign-in', '/security/totp', '/approve-device?token=x', '/recovery/cancel']) {
      const r = await app.request(p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('Content-Type')).toContain('text/html');
      expect(r.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
      expect(r.headers.get('Cache-Control')).toBe('no-store');
      const html = await r.text();
      expect(html).toContain(
        'content="{&quot;devMailbox&quot;:true,&quot;passwordMinLength&quot;:12,&quot;assets&quot;:[{&quot;symbol&quot;:&quot;BTC&quot;,&quot;decimals&quot;:8,&quot;network&quot;:&quot;bitcoin&quot;}',
      );
    }
  });

  it('serves hashed assets with long caching, and a missing asset is a 404, not the page', async () => {
    const r = await app.request('/assets/app-1a2b.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('Content-Type')).toContain('text/javascript');
    expect(r.headers.get('Cache-Control')).toContain('immutable');
    expect((await app.request('/assets/app-old.js')).status).toBe(404);
    expect((await app.request('/favicon.ico')).status).toBe(404);
  });

  it('never answers API, docs or operations paths with the page', async () => {
    const api = await app.request('/v1/no-such-thing');
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('NOT_FOUND');
    expect((await app.request('/healthz')).headers.get('Content-Type')).toContain('application/json');
    expect(await (await app.request('/docs')).text()).toContain('Custos API');
  });

  it('without a build, the root page says how to build it', async () => {
    const bare = createApp(h.deps, { webDir: path.join(os.tmpdir(), 'custos-no-such-web-dir') });
    const r = await bare.request('/');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('npm run build');
  });
});
