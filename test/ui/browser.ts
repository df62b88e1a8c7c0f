import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it); Playwright downloads no browser of its own here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Screenshots for the README: fixed viewport, no animations, so reruns differ only where the data does.
 * A plain test run writes them to a scratch folder, so running the suite leaves the checkout clean;
 * `UPDATE_SCREENSHOTS=1` refreshes the committed ones in docs/screenshots/.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : join(tmpdir(), 'cgw-ui-screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
}

/**
 * Script errors and console errors (CSP violations among them) of pages on `origin`; other sites the
 * browser visits on the way (an OAuth provider's login page) are not ours to judge. A refused request
 * (4xx) is the page doing its job, shown to the user, so it is not counted.
 */
export function watchPageErrors(page: Page, origin: string): string[] {
  const problems: string[] = [];
  const ours = () => page.url().startsWith(origin);
  page.on('pageerror', (e) => {
    if (ours()) problems.push(`pageerror: ${e.message}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && ours() && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()} at ${m.location().url}`);
  });
  return problems;
}
