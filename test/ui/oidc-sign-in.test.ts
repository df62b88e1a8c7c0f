import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildUi } from '../../scripts/build-ui.mjs';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { PATIENCE_MS } from '../helpers/timing.js';
import { haveChromium, launchChromium, screenshot, watchPageErrors } from './browser.js';
import { startPageServer, type PageServer } from './harness.js';

const CONFIGS = '/v1/personal_connectors/configurations';
const START = '/v1/sessions/oidc/start';
const CALLBACK = '/v1/sessions/oidc/callback';

/**
 * Signing in to the management page through the OpenID provider the HTTP server already trusts for
 * bearer tokens (a real oidc-provider on loopback): the page's own client, authorization code +
 * PKCE, state and nonce, bound to the browser; then the same session cookie as an API key sign-in,
 * for the principal the ID token names.
 */
describe('page sign-in through the OIDC provider', () => {
  let s: PageServer;
  let provider: StartedOidcProvider;

  beforeAll(async () => {
    await buildUi();
    provider = await startOidcProvider({ redirectUris: [`http://127.0.0.1${CALLBACK}`] });
    s = await startPageServer({
      settings: {
        network: { allow_loopback: true },
        auth: { oidc: { issuer: provider.issuer, page: { client_id: provider.clientId, client_secret_env: 'TEST_PAGE_OIDC_SECRET', display_name: 'Test ID' } } },
      },
      env: { TEST_PAGE_OIDC_SECRET: provider.clientSecret },
    });
  });
  afterAll(async () => {
    await s?.close();
    await provider?.close();
  });

  /** `…/oidc/start` as a browser follows it: the provider's URL and the binding cookie it set. */
  const begin = async () => {
    const r = await s.request('GET', START);
    expect(r.status).toBe(303);
    const setCookie = r.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^cg_oidc_[\w-]+=[^;]+; Path=\/v1\/sessions\/oidc\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
    return { auth: new URL(r.headers.get('location')!), cookie: setCookie.split(';')[0]! };
  };
  const finish = async (callback: URL, cookie?: string) => {
    const r = await s.request('GET', callback.pathname + callback.search, cookie ? { cookie } : {});
    const session = r.headers.getSetCookie().find((c) => c.startsWith('cg_session='));
    return { ...r, session };
  };

  it('tells the page the provider’s name; the sign-in asks for code + PKCE (S256), state and nonce at the provider', async () => {
    const info = await s.request('GET', '/v1/sessions/oidc');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ object: 'session_provider', type: 'oidc', name: 'Test ID', sign_in_url: START });
    const { auth } = await begin();
    expect(auth.origin).toBe(provider.issuer);
    const q = auth.searchParams;
    expect(q.get('client_id')).toBe(provider.clientId);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('redirect_uri')).toBe(`${s.url}${CALLBACK}`);
    expect(q.get('scope')?.split(' ')).toContain('openid');
    for (const k of ['state', 'nonce', 'code_challenge']) expect(q.get(k)?.length ?? 0).toBeGreaterThanOrEqual(32);
  });

  it('finishes in the browser that started it, with the session cookie of the ID token’s principal; the code works once', async () => {
    const { auth, cookie } = await begin();
    const callback = await provider.authorize(auth, 'bob');
    const done = await finish(callback, cookie);
    expect(done.status, done.text).toBe(303);
    expect(done.headers.get('location')).toBe('/ui/');
    expect(done.session).toMatch(/^cg_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    // The binding cookie is cleared.
    expect(done.headers.getSetCookie()).toContain(`${cookie.split('=')[0]}=; Path=/v1/sessions/oidc/; Max-Age=0; HttpOnly; SameSite=Lax`);
    const pair = done.session!.split(';')[0]!;
    const me = await s.request('GET', '/v1/sessions/current', { cookie: pair });
    expect(me.json).toMatchObject({ object: 'session', organization_id: 'org_beta', user_id: 'bob', via: 'oidc' });
    // Changes need the session's CSRF token, as for any session.
    const body = { personal_connector_id: 'pc_github', name: 'Bob GitHub', configuration: { repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: 'ghp_bob' } };
    expect((await s.request('POST', CONFIGS, { cookie: pair, body })).status).toBe(403);
    expect((await s.request('POST', CONFIGS, { cookie: pair, csrf: String(me.json.csrf_token), body })).status).toBe(201);
    // The same callback again: the provider redeems a code once.
    const replay = await finish(callback, cookie);
    expect(replay.status).toBe(400);
    expect(replay.session).toBeUndefined();
    expect(replay.text).toContain('Sign-in failed');
  });

  it('refuses a callback without this browser’s binding cookie, or with another state', async () => {
    const { auth, cookie } = await begin();
    const callback = await provider.authorize(auth, 'alice');
    const elsewhere = await finish(callback);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.text).toContain('did not start in this browser');
    expect(elsewhere.session).toBeUndefined();
    const otherState = new URL(callback);
    otherState.searchParams.set('state', 'A'.repeat(43));
    const swapped = await finish(otherState, cookie);
    expect(swapped.status).toBe(400);
    expect(swapped.session).toBeUndefined();
    // Neither spent the code: the right browser with the right state still signs in.
    expect((await finish(callback, cookie)).session).toBeDefined();
  });

  it('refuses an ID token whose nonce is not the one this browser’s sign-in sent', async () => {
    const { auth, cookie } = await begin();
    auth.searchParams.set('nonce', 'n'.repeat(43));
    const done = await finish(await provider.authorize(auth, 'alice'), cookie);
    expect(done.status).toBe(400);
    expect(done.text).toMatch(/Sign-in failed.*&#34;nonce&#34;/s);
    expect(done.session).toBeUndefined();
  });

  it('refuses a response that names another issuer (RFC 9207 iss)', async () => {
    const { auth, cookie } = await begin();
    const callback = await provider.authorize(auth, 'alice');
    expect(callback.searchParams.get('iss')).toBe(provider.issuer);
    callback.searchParams.set('iss', 'http://127.0.0.1:9/other-issuer');
    const done = await finish(callback, cookie);
    expect(done.status).toBe(400);
    expect(done.text).toMatch(/Sign-in failed.*&#34;iss&#34;/s);
    expect(done.session).toBeUndefined();
  });

  describe.skipIf(!haveChromium() && !process.env.CI)('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('“Sign in with Test ID” goes to the provider and back, signed in as the person it names', async () => {
      // What alice already has, through an access token of the same provider (the bearer path).
      const token = await provider.mintAccessToken({ accountId: 'alice', resource: `${s.url}/mcp` });
      const created = await s.request('POST', CONFIGS, { bearer: token, body: { personal_connector_id: 'pc_github', name: 'Alice via token', configuration: { repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: 'ghp_alice' } } });
      expect(created.status, created.text).toBe(201);

      const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, reducedMotion: 'reduce' });
      context.setDefaultTimeout(PATIENCE_MS);
      const page = await context.newPage();
      const problems = watchPageErrors(page, s.url);
      await page.goto(`${s.url}/ui/`);
      const button = page.getByRole('link', { name: 'Sign in with Test ID' });
      await button.waitFor();
      await screenshot(page, 'oidc-1-sign-in');
      // By keyboard: focus the link and press Enter.
      await button.focus();
      await page.keyboard.press('Enter');
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any');
      await page.locator('button[type="submit"]').click();
      await page.locator('button[type="submit"]').click(); // consent
      await page.getByRole('heading', { name: 'Your connector configurations' }).waitFor();
      expect(await page.locator('.who').textContent()).toBe('alice · org_acme');
      await page.locator('li.card', { hasText: 'Alice via token' }).waitFor();
      expect(await page.evaluate('document.cookie')).toBe('');
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'cg_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
      expect(cookies.filter((c) => c.name.startsWith('cg_oidc_'))).toEqual([]);

      // A change from the page carries the CSRF token and is alice's.
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByLabel('Name of a new key').fill('from-oidc');
      await page.getByRole('button', { name: 'Create key' }).click();
      const secret = (await page.locator('#k-secret').textContent())!.trim();
      const mine = await s.request('GET', CONFIGS, { bearer: secret });
      expect(mine.json.data?.map((c) => c.name)).toContain('Alice via token');
      expect(problems).toEqual([]);
      await context.close();
    });
  });
});
