#!/usr/bin/env node
// The `custos` command. In a checkout (src/ present) it runs the TypeScript sources through tsx,
// so it can never run a stale build; a package without src/ runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source);
} else {
  await import(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
}
