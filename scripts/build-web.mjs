#!/usr/bin/env node
// Builds the security center (web/) into dist/web with Vite. With --if-stale, only when a source
// file is newer than the last build: `npm start` runs it so a fresh clone serves the app.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
const built = path.join(root, 'dist', 'web', 'index.html');

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
if (ifStale && fs.existsSync(built)) {
  const sources = Math.max(newestSource(webDir), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
  if (fs.statSync(built).mtimeMs >= sources) process.exit(0);
}
const { build } = await import('vite');
console.log('building the security center (web/ → dist/web)…');
await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
console.log('security center built');
