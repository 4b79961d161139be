import type { ConsoleMessage, Page } from 'playwright-core';

/**
 * Everything a page says on its console at error or warning level, and every error it throws:
 * CSP violations and failed requests show here. Tests expect the list to stay empty.
 */
export function watchConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning')
      messages.push(`${m.type()}: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`);
  });
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  return messages;
}
