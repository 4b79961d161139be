#!/usr/bin/env node
// Builds the security center (web/) into dist/web with Vite, then the standalone proof-of-reserves
// verifier (web/por-verifier/) into the one self-contained file dist/web/por-verifier.html. With
// --if-stale, only when a source file is newer than the last build: `npm start` runs it so a fresh
// clone serves the app.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
/** What each build writes last; a build is complete only when both exist. */
const outputs = ['index.html', 'por-verifier.html'].map((f) => path.join(root, 'dist', 'web', f));
/** The web app and the verifier bundle pure domain code (amounts, the proof-of-reserves format). */
const sourceDirs = [webDir, path.join(root, 'src', 'domain')];

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && outputs.every((f) => fs.existsSync(f))) {
  const sources = Math.max(
    ...sourceDirs.map(newestSource),
    fs.statSync(path.join(root, 'package-lock.json')).mtimeMs,
  );
  if (Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs)) >= sources) process.exit(0);
}
const { build } = await import('vite');
console.log('building the security center (web/ → dist/web)…');
// First: it empties dist/web.
await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
await build({ configFile: path.join(webDir, 'por-verifier', 'vite.config.ts'), logLevel: 'warn' });
console.log('security center built, and the proof-of-reserves verifier (dist/web/por-verifier.html)');
