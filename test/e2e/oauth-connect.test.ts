import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { CLI } from '../helpers/cli.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { bearerClient, CookieBrowser, startCheckingUpstream } from './oauth-support.js';

const START = `${CONFIGURATIONS}/oauth/start`;
const CALLBACK = '/v1/personal_connectors/oauth/callback';
const AUTHORIZE = '/v1/personal_connectors/oauth/authorize';

/** Connecting an account through the provider's consent, over REST and over the CLI, with the built binary. */
describe('OAuth connect flow', () => {
  let provider: StartedOidcProvider;
  let upstream: Awaited<ReturnType<typeof startCheckingUpstream>>;
  let data: PreparedData;
  let server: SpawnedServer;
  let secret = '';
  const outputs: string[] = [];

  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUris: [`http://127.0.0.1${CALLBACK}`] });
    upstream = await startCheckingUpstream(provider);
    data = await prepareData({
      principals: 2,
      settings: {
        network: { allow_loopback: true },
        oauth: {
          pc_custom_mcp: {
            issuer: provider.issuer,
            client_id: provider.clientId,
            client_secret_env: 'TEST_OAUTH_SECRET',
            scopes: ['openid'],
            // oidc-provider issues a refresh token only when consent is prompted.
            authorization_params: { prompt: 'consent' },
          },
        },
      },
      env: { TEST_OAUTH_SECRET: provider.clientSecret },
    });
    secret = data.principals[0]!.secret;
    server = await spawnServer(data);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([provider?.close(), upstream?.close(), data?.remove()]);
  });

  const list = async () => (await api(server.url, secret, 'GET', `${CONFIGURATIONS}?limit=100`)).json?.data ?? [];

  /** The token the upstream last admitted: what the gateway holds for a connected configuration. */
  async function tokenUsedFor(toolPrefix: string): Promise<string> {
    const client = await bearerClient(server.mcpUrl, secret);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      const name = tools.find((n) => n.startsWith(toolPrefix));
      expect(name, tools.join(', ')).toBeDefined();
      const r = await client.callTool({ name: name!, arguments: {} });
      expect(r.isError ?? false).toBe(false);
    } finally {
      await client.close();
    }
    const token = upstream.seen.admitted.at(-1);
    expect(token).toBeTruthy();
    return token!;
  }

  it('REST: start → provider consent → callback creates the configuration; the tokens stay sealed', async () => {
    const before = (await list()).length;
    const start = await api<ApiBody & { authorization_url: string; state: string; expires_at: string }>(server.url, secret, 'POST', START, {
      personal_connector_id: 'pc_custom_mcp',
      name: 'Work MCP',
      configuration: { endpoint: upstream.url },
      description: 'connected over REST',
      metadata: { team: 'core' },
    });
    expect(start.status, start.text).toBe(200);
    const { authorization_url, state, expires_at } = start.json!;
    // The link goes to the gateway, which binds the browser before sending it to the provider.
    expect(authorization_url).toBe(`${server.url}${AUTHORIZE}?state=${encodeURIComponent(state)}`);
    expect(start.json).toMatchObject({ principal: { organization_id: 'org_t0', user_id: 'usr_t0' } });
    const browser = new CookieBrowser();
    const confirmPage = await browser.get(authorization_url);
    const html = await confirmPage.text();
    expect(confirmPage.status).toBe(200);
    expect(html).toContain('organization org_t0, user usr_t0');
    const toProvider = await browser.submitForm(authorization_url, html);
    expect(toProvider.status).toBe(303);
    const bindingCookie = toProvider.headers.getSetCookie().find((c) => c.startsWith('cg_oauth_') && !c.startsWith('cg_oauth_confirm_'));
    expect(bindingCookie).toMatch(/; Path=\/v1\/personal_connectors\/oauth\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    const auth = new URL(toProvider.headers.get('location')!);
    expect(auth.origin).toBe(provider.issuer);
    expect(auth.searchParams.get('redirect_uri')).toBe(`${server.url}${CALLBACK}`);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('state')).toBe(state);
    expect(Date.parse(expires_at)).toBeGreaterThan(Date.now());

    const callback = await provider.authorize(auth, 'alice');
    expect(callback.origin + callback.pathname).toBe(`${server.url}${CALLBACK}`);
    const done = await browser.get(callback, { accept: 'application/json' });
    const created = (await done.json()) as ApiBody;
    expect(done.status, JSON.stringify(created)).toBe(201);
    expect(created).toMatchObject({ object: 'personal_connector.configuration', name: 'Work MCP', health_status: 'unknown', enabled: true, metadata: { team: 'core' }, user_id: 'usr_t0' });
    expect(created).not.toHaveProperty('credentials');
    expect(done.headers.get('location')).toBe(`${CONFIGURATIONS}/${created.id}`);

    // Replaying the callback finds no pending state: 400, nothing more stored.
    const replay = await fetch(callback, { headers: { accept: 'application/json' } });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as ApiBody).error).toMatchObject({ code: 'invalid_oauth_state', param: 'state' });

    const listed = await list();
    expect(listed.length).toBe(before + 1);
    expect(listed.find((c) => c.id === created.id)?.health_status).toBe('unknown');

    // The connected token works upstream, and shows up nowhere a user or the disk can read it.
    const token = await tokenUsedFor('work_mcp_');
    const got = await api(server.url, secret, 'GET', `${CONFIGURATIONS}/${created.id}`);
    outputs.push(start.text, JSON.stringify(created), got.text, JSON.stringify(listed));
    for (const o of outputs) expect(o).not.toContain(token);
    expect(await readFile(data.dataFile, 'utf8')).not.toContain(token);
  });

  it('REST: a link sent to someone else connects nothing for its sender, and shows whose it is', async () => {
    const attacker = data.principals[0]!.secret;
    const victim = data.principals[1]!.secret;
    const listFor = async (s: string) => (await api(server.url, s, 'GET', `${CONFIGURATIONS}?limit=100`)).json?.data ?? [];
    const before = { attacker: (await listFor(attacker)).length, victim: (await listFor(victim)).length };
    const codesBefore = provider.tokenCalls.authorization_code ?? 0;

    // The attacker starts a flow and confirms it in their own browser, to learn the provider's URL.
    const start = await api<ApiBody & { authorization_url: string }>(server.url, attacker, 'POST', START, { personal_connector_id: 'pc_custom_mcp', name: 'Planted', configuration: { endpoint: upstream.url } });
    expect(start.status, start.text).toBe(200);
    const attackerBrowser = new CookieBrowser();
    const attackerPage = await attackerBrowser.get(start.json!.authorization_url);
    const providerUrl = (await attackerBrowser.submitForm(start.json!.authorization_url, await attackerPage.text())).headers.get('location')!;

    // The victim's browser follows the gateway link: the page names the attacker's principal.
    const victimBrowser = new CookieBrowser();
    const shown = await (await victimBrowser.get(start.json!.authorization_url)).text();
    expect(shown).toContain('organization org_t0, user usr_t0');
    expect(shown).not.toContain('usr_t1');

    // The victim follows the provider link instead, signs in and consents: the callback has no binding cookie.
    const callback = await provider.authorize(providerUrl, 'bob');
    const html = await victimBrowser.get(callback);
    expect(html.status).toBe(403);
    expect(await html.text()).toContain('this browser did not start this connection');
    // Nothing was exchanged, nothing created for anyone; the flow is spent.
    expect(provider.tokenCalls.authorization_code ?? 0).toBe(codesBefore);
    expect((await listFor(attacker)).length).toBe(before.attacker);
    expect((await listFor(victim)).length).toBe(before.victim);
    const late = await attackerBrowser.get(callback, { accept: 'application/json' });
    expect(late.status).toBe(400);
    expect(((await late.json()) as ApiBody).error).toMatchObject({ code: 'invalid_oauth_state' });
  });

  it('REST: the confirmation cannot be posted without the page this browser was shown', async () => {
    const start = await api<ApiBody & { authorization_url: string; state: string }>(server.url, secret, 'POST', START, { personal_connector_id: 'pc_custom_mcp', name: 'Forged form', configuration: { endpoint: upstream.url } });
    // Another site auto-submits the form: it can name the state but has no confirmation cookie.
    const forged = await fetch(`${server.url}${AUTHORIZE}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ state: start.json!.state, confirm: 'guessed' }).toString() });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
    expect(forged.headers.getSetCookie()).toEqual([]);
  });

  it('REST: a forged state is refused with 400 (JSON and HTML) and stores nothing', async () => {
    const before = (await list()).length;
    const json = await fetch(`${server.url}${CALLBACK}?code=abc&state=forged-state-value`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(((await json.json()) as ApiBody).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_oauth_state' });
    const html = await fetch(`${server.url}${CALLBACK}?code=abc&state=forged-state-value`);
    expect(html.status).toBe(400);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('Connection failed');
    expect((await list()).length).toBe(before);
  });

  it('REST: refuses what it cannot connect before sending anyone to the provider', async () => {
    const noClient = await api(server.url, secret, 'POST', START, { personal_connector_id: 'pc_github', name: 'GH', configuration: { repository: 'a/b' } });
    expect(noClient.status).toBe(400);
    expect(noClient.json?.error).toMatchObject({ code: 'oauth_not_configured', param: 'personal_connector_id' });
    expect(noClient.json?.error?.message).toContain('oauth.pc_github');

    const badConfig = await api(server.url, secret, 'POST', START, { personal_connector_id: 'pc_custom_mcp', name: 'X', configuration: {} });
    expect(badConfig.status).toBe(400);
    expect(badConfig.json?.error?.param).toBe('configuration.endpoint');

    const anonymous = await api(server.url, undefined, 'POST', START, { personal_connector_id: 'pc_custom_mcp', name: 'X' });
    expect(anonymous.status).toBe(401);
    // Without auth.oidc the challenge is the plain scheme.
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('CLI: configs connect prints the URL, waits for the browser on loopback, prints the configuration', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'configs', 'connect', '--connector', 'pc_custom_mcp', '--name', 'CLI MCP', '--config', JSON.stringify({ endpoint: upstream.url }), '--metadata', 'via=cli', '--json'],
      { env: data.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(stderr);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`connect exited ${code} early: ${stderr}`)));
    });
    expect(stdout).toBe(''); // --json: the URL went to stderr

    const callback = await provider.authorize(url, 'alice');
    expect(callback.pathname).toBe('/oauth/callback');
    const page = await fetch(callback);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('is connected');
    expect(await exited).toBe(0);

    const created = JSON.parse(stdout) as ApiBody;
    expect(created).toMatchObject({ name: 'CLI MCP', health_status: 'unknown', metadata: { via: 'cli' }, user_id: 'usr_t0', organization_id: 'org_t0' });
    expect(created).not.toHaveProperty('credentials');

    // The running server picks the new configuration up from the shared data file.
    await expect.poll(async () => (await list()).some((c) => c.id === created.id)).toBe(true);
    const token = await tokenUsedFor('cli_mcp_');
    expect(stdout + stderr).not.toContain(token);
    expect(await readFile(data.dataFile, 'utf8')).not.toContain(token);
  });

  it('CLI: a connector without an OAuth client fails at once, naming the field', async () => {
    const child = spawn(process.execPath, [CLI, 'configs', 'connect', '--connector', 'pc_jira', '--name', 'Work Jira', '--config', '{"site_url":"https://example.atlassian.net"}'], {
      env: data.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/personal_connector_id: no OAuth client is configured for pc_jira/);
  });
});
