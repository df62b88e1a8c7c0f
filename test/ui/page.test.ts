import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildUi } from '../../scripts/build-ui.mjs';
import { haveChromium, launchChromium, screenshot, watchPageErrors } from './browser.js';
import { startPageServer, type PageServer } from './harness.js';

const CONFIGS = '/v1/personal_connectors/configurations';

/** The page in Debian's Chromium: signing in, the list, and a session that ends under the user. */
describe.skipIf(!haveChromium() && !process.env.CI)('management page in a browser', () => {
  let s: PageServer;
  let browser: Browser;
  beforeAll(async () => {
    await buildUi();
    s = await startPageServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('signs in with an API key (a wrong one is shown at its field) and lists the configurations with their health', async () => {
    await s.request('POST', CONFIGS, { bearer: s.keys.p1, body: { personal_connector_id: 'pc_github', name: 'Team GitHub', configuration: { repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: 'ghp_page000000000000000000000000000000' } } });
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const problems = watchPageErrors(page);
    await page.goto(`${s.url}/ui/`);
    const key = page.getByLabel('API key');
    await key.fill('cgw_wrong_000000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const err = page.locator('#signin-key-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/invalid API key/);
    expect(await key.getAttribute('aria-invalid')).toBe('true');
    expect(await key.getAttribute('aria-describedby')).toBe('signin-key-error');
    await screenshot(page, 'sign-in');

    await key.fill(s.keys.p1);
    await key.press('Enter'); // the keyboard alone is enough
    await page.getByRole('heading', { name: 'Your connector configurations' }).waitFor();
    const card = page.locator('li.card', { hasText: 'Team GitHub' });
    await card.waitFor();
    expect(await card.locator('.badge').textContent()).toBe('unknown');
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'cg_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(problems).toEqual([]);
    await context.close();
  });
});
