import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildUi } from '../../scripts/build-ui.mjs';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startCheckingUpstream } from '../e2e/oauth-support.js';
import { haveChromium, launchChromium, screenshot, watchPageErrors } from './browser.js';
import { startPageServer, type PageServer } from './harness.js';
import { PATIENCE_MS, waitFor } from '../helpers/timing.js';

const CONFIGS = '/v1/personal_connectors/configurations';
const CALLBACK = '/v1/personal_connectors/oauth/callback';

/**
 * The management page in Debian's Chromium, as a person uses it: sign in, create a GitHub
 * configuration (against the loopback GitHub fake), connect a remote MCP server with OAuth (against
 * the loopback OpenID provider), test, try a tool, read the audit trail, create and revoke an API
 * key. Each screen is written to docs/screenshots/ for the README.
 */
describe.skipIf(!haveChromium() && !process.env.CI)('management page in a browser', () => {
  let s: PageServer;
  let browser: Browser;
  let github: FakeGithub;
  let provider: StartedOidcProvider;
  let upstream: Awaited<ReturnType<typeof startCheckingUpstream>>;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    await buildUi();
    github = await startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN] });
    provider = await startOidcProvider({ redirectUris: [`http://127.0.0.1${CALLBACK}`] });
    upstream = await startCheckingUpstream(provider);
    s = await startPageServer({
      settings: {
        network: { allow_loopback: true },
        oauth: { pc_custom_mcp: { issuer: provider.issuer, client_id: provider.clientId, client_secret_env: 'TEST_OAUTH_SECRET', scopes: ['openid'], authorization_params: { prompt: 'consent' } } },
      },
      env: { TEST_OAUTH_SECRET: provider.clientSecret },
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 }, reducedMotion: 'reduce' });
    context.setDefaultTimeout(PATIENCE_MS);
    page = await context.newPage();
    problems = watchPageErrors(page, s.url);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    await Promise.all([github?.close(), provider?.close(), upstream?.close()]);
  });

  const card = (name: string) => page.locator('li.card', { hasText: name });

  it('signs in with an API key (a wrong one is shown at its field), by keyboard', async () => {
    await page.goto(`${s.url}/ui/`);
    const key = page.getByLabel('API key');
    await key.fill('cgw_wrong_000000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const err = page.locator('#signin-key-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/invalid API key/);
    expect(await key.getAttribute('aria-invalid')).toBe('true');
    expect(await key.getAttribute('aria-describedby')).toBe('signin-key-error');
    await screenshot(page, '1-sign-in');
    await key.fill(s.keys.p1);
    await key.press('Enter');
    await page.getByRole('heading', { name: 'Your connector configurations' }).waitFor();
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
    expect((await context.cookies()).find((c) => c.name === 'cg_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('creates a GitHub configuration from the schema form; the API error shows at the field it names', async () => {
    await page.getByRole('link', { name: 'Add a configuration' }).click();
    await page.getByLabel('Connector (required)').selectOption('pc_github');
    await page.getByLabel('Name (required)').fill('My GitHub');
    await page.getByLabel('Api base url').fill(github.url);
    await page.getByLabel('Repository').fill('acme'); // not owner/repo
    await page.getByLabel('Kind').selectOption('api_key');
    await page.locator('#f-credentials-api_key').fill(FAKE_GITHUB_TOKEN);
    await page.getByRole('button', { name: 'Create' }).click();
    const err = page.locator('#f-configuration-repository-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/^configuration\.repository: /);
    expect(await page.getByLabel('Repository').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, '2-create-with-error');
    await page.getByLabel('Repository').fill('acme/backend');
    await page.getByRole('button', { name: 'Create' }).click();
    await card('My GitHub').waitFor();
    expect(await card('My GitHub').locator('.badge').textContent()).toBe('unknown');
    // The token went in sealed and never comes back to the page.
    expect(await page.content()).not.toContain(FAKE_GITHUB_TOKEN);
  });

  it('Test now checks it against GitHub and shows the health', async () => {
    await card('My GitHub').getByRole('button', { name: 'Test now' }).click();
    await card('My GitHub').locator('.badge', { hasText: 'healthy' }).waitFor();
    expect(await card('My GitHub').locator('.facts').textContent()).toMatch(/Last sync\d{4}-\d\d-\d\d/);
  });

  it('connects a remote MCP server with OAuth through the gateway’s confirmation and the provider', async () => {
    await page.getByRole('link', { name: 'Add a configuration' }).click();
    await page.getByLabel('Connector (required)').selectOption('pc_custom_mcp');
    await page.getByLabel('Name (required)').fill('Work MCP');
    await page.getByLabel('Endpoint (required)').fill(upstream.url);
    await page.getByRole('button', { name: 'Connect with OAuth' }).click();
    await page.getByRole('heading', { name: 'Connect an account' }).waitFor();
    expect(await page.textContent('body')).toContain('organization org_p, user usr_p1');
    await screenshot(page, '3-oauth-confirm');
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    // The provider's own login and consent pages (oidc-provider's development interactions).
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click(); // consent
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    await page.getByRole('link', { name: 'Back to the management page' }).click();
    await card('Work MCP').waitFor();
    await card('Work MCP').getByRole('button', { name: 'Test now' }).click();
    await card('Work MCP').locator('.badge', { hasText: 'healthy' }).waitFor();
    expect(upstream.seen.admitted.length).toBeGreaterThan(0);
    await screenshot(page, '4-configurations');
  });

  it('Reconnect runs the connect flow again: the same configuration and tools, new credentials, healthy again', async () => {
    const id = (await card('Work MCP').getAttribute('data-config-id'))!;
    const toolsOf = async () => ((await s.request('GET', `${CONFIGS}/${id}/tools`, { bearer: s.keys.p1 })).json.data ?? []).map((t) => String(t.name)).sort();
    const toolsBefore = await toolsOf();
    expect(toolsBefore.length).toBeGreaterThan(0);
    // The account's consent ends at the provider: the tokens the gateway holds are dead, refresh included.
    await provider.revokeAllGrants();
    const oldTokens = new Set(upstream.seen.admitted);
    for (const t of oldTokens) await (await provider.provider.AccessToken.find(t))?.destroy();
    await card('Work MCP').getByRole('button', { name: 'Test now' }).click();
    await card('Work MCP').locator('.badge.health-unhealthy').waitFor();

    const codesBefore = provider.tokenCalls.authorization_code ?? 0;
    await card('Work MCP').getByRole('button', { name: 'Reconnect Work MCP with OAuth' }).click();
    await page.getByRole('heading', { name: 'Connect an account' }).waitFor();
    expect(await page.textContent('body')).toContain('“Work MCP”');
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    // The provider may remember the earlier sign-in; its consent is asked for again either way.
    if ((await page.locator('input[name="login"]').count()) > 0) {
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any');
      await page.locator('button[type="submit"]').click();
    }
    await page.locator('button[type="submit"]').click(); // consent
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    expect(await page.textContent('body')).toContain(id);
    await page.getByRole('link', { name: 'Back to the management page' }).click();
    await card('Work MCP').waitFor();
    expect(await card('Work MCP').count()).toBe(1);
    expect(await card('Work MCP').getAttribute('data-config-id')).toBe(id);
    await card('Work MCP').getByRole('button', { name: 'Test now' }).click();
    await card('Work MCP').locator('.badge.health-healthy').waitFor();
    expect(provider.tokenCalls.authorization_code).toBe(codesBefore + 1);
    const latest = upstream.seen.admitted.at(-1)!;
    expect(oldTokens.has(latest)).toBe(false);
    expect(await toolsOf()).toEqual(toolsBefore);
    const list = await s.request('GET', `${CONFIGS}?limit=100`, { bearer: s.keys.p1 });
    expect(list.json.data?.filter((c) => c.name === 'Work MCP').map((c) => c.id)).toEqual([id]);
  });

  it('tries a GitHub tool with a form built from its input schema', async () => {
    await card('My GitHub').getByRole('link', { name: 'Tools' }).click();
    await page.getByLabel('Tool', { exact: true }).selectOption('my_github_get_issue');
    await page.getByLabel('Issue number (required)').fill('1');
    const before = github.requests.length;
    await page.getByRole('button', { name: 'Call my_github_get_issue' }).click();
    const result = page.locator('pre.result');
    await result.waitFor();
    expect(await result.textContent()).toContain('Issue number 1');
    expect(github.requests.slice(before).map((r) => r.path)).toContain('/repos/acme/backend/issues/1');
    await screenshot(page, '5-tool');
  });

  it('shows the audit trail with the page’s own actions', async () => {
    // Tool calls reach the audit trail in batches, shortly after they end: the page can only show
    // the call once it is on file, so wait for that (over REST) rather than for a machine's speed.
    await waitFor(async () => {
      const r = await s.request('GET', '/v1/audit_events?limit=100', { bearer: s.keys.p1 });
      return r.json.data?.some((e) => e.action === 'tool.called');
    }, 'the tool call to reach the audit trail');
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    const text = await page.locator('table').textContent();
    expect(text).toContain('tool.called');
    expect(text).toContain('configuration.created');
    await screenshot(page, '6-audit');
  });

  it('creates an API key (its secret shown once) and revokes it after confirming', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name of a new key').fill('laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('#k-secret').textContent())!.trim();
    expect(secret).toMatch(/^cgw_/);
    expect((await s.request('GET', CONFIGS, { bearer: secret })).status).toBe(200);
    await screenshot(page, '7-api-keys');
    const row = page.locator('tr', { hasText: 'laptop' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await row.getByText(/^revoked /).waitFor();
    expect((await s.request('GET', CONFIGS, { bearer: secret })).status).toBe(401);
    // Reloading the page never shows the secret again.
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('a session that ends while typing returns to sign-in and keeps what was typed', async () => {
    await page.goto(`${s.url}/ui/#/new`);
    await page.getByLabel('Connector (required)').selectOption('pc_github');
    await page.getByLabel('Name (required)').fill('Typed before expiry');
    await page.getByLabel('Api base url').fill(github.url);
    await page.getByLabel('Repository').fill('acme/backend');
    await page.getByLabel('Kind').selectOption('api_key');
    await page.locator('#f-credentials-api_key').fill(FAKE_GITHUB_TOKEN);
    await context.clearCookies(); // the session is gone, as after expiry
    await page.getByRole('button', { name: 'Create' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Your session has ended' }).waitFor();
    await screenshot(page, '8-session-ended');
    await dialog.getByLabel('API key').fill(s.keys.p1);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByLabel('Name (required)').inputValue()).toBe('Typed before expiry');
    expect(await page.getByLabel('Repository').inputValue()).toBe('acme/backend');
    expect(await page.locator('#f-credentials-api_key').inputValue()).toBe(FAKE_GITHUB_TOKEN);
    await page.getByRole('button', { name: 'Create' }).click();
    await card('Typed before expiry').waitFor();
  });

  it('a second tab stays consistent: a stale edit is refused with 409 and shown', async () => {
    const id = (await card('My GitHub').getAttribute('data-config-id'))!;
    await page.goto(`${s.url}/ui/#/config/${id}/edit`);
    await page.getByLabel('Name (required)').waitFor();
    expect(await page.getByLabel('Name (required)').inputValue()).toBe('My GitHub');
    const other = await context.newPage();
    await other.goto(`${s.url}/ui/`);
    await other.locator('li.card', { hasText: 'My GitHub' }).getByRole('button', { name: 'Disable' }).click();
    await other.locator('li.card', { hasText: 'My GitHub' }).getByRole('button', { name: 'Enable' }).waitFor();
    await other.close();
    await page.getByLabel('Name (required)').fill('My GitHub (renamed)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const err = page.locator('#form-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/changed|version/i);
    const now = await s.request('GET', `${CONFIGS}/${id}`, { bearer: s.keys.p1 });
    expect(now.json).toMatchObject({ name: 'My GitHub', enabled: false });
    // Reloading takes the latest version's ETag and keeps what was typed; saving again goes through.
    const reload = page.getByRole('button', { name: /Load the latest version/ });
    await reload.click();
    await reload.waitFor({ state: 'detached' });
    expect(await page.getByLabel('Name (required)').inputValue()).toBe('My GitHub (renamed)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await card('My GitHub (renamed)').waitFor();
    expect(problems).toEqual([]);
  });

  it('the edit form chooses the tool name prefix, or none', async () => {
    const id = (await card('My GitHub (renamed)').getAttribute('data-config-id'))!;
    const edit = async (change: () => Promise<void>) => {
      await page.goto(`${s.url}/ui/#/config/${id}/edit`);
      await page.getByLabel('Name (required)').waitFor();
      await change();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await card('My GitHub (renamed)').waitFor();
    };
    const stored = async () => (await s.request('GET', `${CONFIGS}/${id}`, { bearer: s.keys.p1 })).json.tool_prefix;
    expect(await stored()).toBe('my_github');
    await edit(async () => {
      expect(await page.getByLabel('Tool name prefix').inputValue()).toBe('my_github');
      await page.getByLabel('Tool name prefix').fill('work');
    });
    await waitFor(async () => (await stored()) === 'work' || undefined, 'the chosen prefix stored');
    await edit(() => page.getByRole('checkbox', { name: /No prefix/ }).check());
    await waitFor(async () => (await stored()) === '' || undefined, 'no prefix stored');
    await page.goto(`${s.url}/ui/#/config/${id}/edit`);
    await page.getByLabel('Name (required)').waitFor();
    expect(await page.getByRole('checkbox', { name: /No prefix/ }).isChecked()).toBe(true);
    expect(problems).toEqual([]);
  });
});
