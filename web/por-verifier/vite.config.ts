import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.join(here, '..');

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const cspSources = (texts: readonly string[]) => (texts.length ? texts.map(cspHash).join(' ') : "'none'");

/**
 * Folds the page's one script chunk and one stylesheet into the HTML, drops them from the output,
 * and writes the page as `fileName`: a single file that works when opened from disk, where a
 * module script from another file is refused. The page also carries its own CSP in a meta tag
 * (the inline script and style by their hashes, no connection anywhere), so a saved copy keeps
 * the promise to send nothing; the server sends the same policy as a header.
 */
function singleFile(fileName: string): Plugin {
  return {
    name: 'custos-single-file',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const htmlFile = Object.values(bundle).find((f) => f.type === 'asset' && f.fileName.endsWith('.html'));
      if (!htmlFile || htmlFile.type !== 'asset') return this.error('no HTML page in the bundle');
      let html = String(htmlFile.source);
      const scripts: string[] = [];
      const styles: string[] = [];
      for (const [key, file] of Object.entries(bundle)) {
        if (file === htmlFile) continue;
        const ref = new RegExp(
          `<(script|link)\\b[^>]*?(?:src|href)="[^"]*/${escapeRegExp(file.fileName)}"[^>]*>(</script>)?`,
        );
        const code = file.type === 'chunk' ? file.code : String(file.source);
        if (!ref.test(html))
          return this.error(`${file.fileName} is not referenced by the page: nothing may be left outside it`);
        if (/<\/(script|style)|<!--/i.test(code))
          return this.error(`${file.fileName} holds text that cannot be inlined`);
        // A function replacement: minified code holds `$&` and friends.
        if (file.type === 'chunk') {
          scripts.push(code);
          html = html.replace(ref, () => `<script type="module">${code}</script>`);
        } else {
          styles.push(code);
          html = html.replace(ref, () => `<style>${code}</style>`);
        }
        delete bundle[key];
      }
      const csp = [
        "default-src 'none'",
        `script-src ${cspSources(scripts)}`,
        `style-src ${cspSources(styles)}`,
        'img-src data:',
        "connect-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
      ].join('; ');
      html = html.replace(
        /<meta charset="utf-8"\s*\/?>/i,
        (charset) => `${charset}\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`,
      );
      if (!html.includes('http-equiv="Content-Security-Policy"'))
        return this.error('no place for the CSP meta tag');
      delete bundle[htmlFile.fileName];
      this.emitFile({ type: 'asset', fileName, source: html });
    },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The standalone proof-of-reserves verifier: one self-contained HTML file, dist/web/por-verifier.html
 * (scripts/build-web.mjs runs it after the security center's build, which empties dist/web).
 */
export default defineConfig({
  root: webDir,
  publicDir: false,
  plugins: [singleFile('por-verifier.html')],
  build: {
    outDir: path.join(webDir, '..', 'dist', 'web'),
    emptyOutDir: false,
    modulePreload: false,
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      input: path.join(here, 'index.html'),
      output: { codeSplitting: false },
    },
  },
});
