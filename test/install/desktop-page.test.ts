/**
 * A Claude Desktop user who never opens a terminal: the MCP Bundle's server, started from
 * manifest.json by mcpb's own code with every setting at its default, offers one tool on a fresh install. Calling it starts the settings page on a
 * loopback port and returns a one-time sign-in link; in Chromium the person creates a GitHub
 * configuration; the stdio client is told the tool list changed and calls the new tool. What the page
 * sealed, the `connector-gateway` command reads with its own defaults: one data file, one key.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { getMcpConfigForManifest, v0_3 } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { ROOT } from '../helpers/cli.js';
import { PATIENCE_MS, TEST_TIMEOUT_MS, waitFor } from '../helpers/timing.js';
import { haveChromium, launchChromium, screenshot, watchPageErrors } from '../ui/browser.js';
import { desktopHome, type DesktopHome } from './desktop-home.js';

const TOOL = 'open-gateway-settings';

/** TCP ports a process listens on (Linux /proc): proves that nothing listens until asked. */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      // local_address is ip:port in hex, st 0A is LISTEN, column 9 the socket's inode.
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

describe.skipIf((!haveChromium() && !process.env.CI) || process.platform !== 'linux')('Claude Desktop without a terminal: install, the settings page, a first GitHub tool call', { timeout: TEST_TIMEOUT_MS }, () => {
  let h: DesktopHome;
  let github: FakeGithub;
  let browser: Browser;
  let client: Client;
  let transport: StdioClientTransport;
  let logs = '';
  let listChanged = 0;

  beforeAll(async () => {
    h = await desktopHome();
    github = await startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN] });
    // The one step a real user never takes: the loopback fake stands in for api.github.com, and
    // plain-HTTP loopback endpoints are refused unless this stored setting allows them.
    const allowed = await h.cli(['settings', 'set', 'allow_loopback', 'true']);
    if (allowed.code !== 0) throw new Error(`settings set failed: ${allowed.stderr}`);
    const manifest = v0_3.McpbManifestSchema.parse(JSON.parse(await readFile(join(ROOT, 'manifest.json'), 'utf8')));
    // The repository stands in for the unpacked bundle: same manifest, same dist/ (page included).
    const config = await getMcpConfigForManifest({ manifest, extensionPath: ROOT, systemDirs: { HOME: h.home }, userConfig: {}, pathSeparator: '/' });
    if (!config) throw new Error('mcpb resolved no server configuration');
    client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' }, { listChanged: { tools: { onChanged: () => listChanged++, autoRefresh: false } } });
    transport = new StdioClientTransport({
      command: config.command === 'node' ? process.execPath : config.command,
      args: config.args ?? [],
      // Claude Desktop gives a server a default environment on the user's HOME plus the entry's env.
      env: { ...getDefaultEnvironment(), HOME: h.home, ...(config.env ?? {}) },
      cwd: h.home,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    await client.connect(transport);
    browser = await launchChromium();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await client?.close();
    await browser?.close();
    await github?.close();
    await h?.remove();
  });

  let link = '';

  it('a fresh install offers the settings tool, its instructions say so, and nothing listens yet', async () => {
    expect(client.getInstructions()).toContain(TOOL);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([TOOL]);
    expect(await listeningPorts(transport.pid!)).toEqual([]);
  });

  it('the tool starts the page on a loopback port and hands out a one-time link', async () => {
    const r = await client.callTool({ name: TOOL, arguments: {} });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const out = r.structuredContent as { url: string; expires_at: string };
    expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/#token=[A-Za-z0-9_-]+$/);
    expect(JSON.stringify(r.content)).toContain(out.url);
    link = out.url;
    expect(await listeningPorts(transport.pid!)).toEqual([Number(new URL(link).port)]);
    // The link is for the person, not for the logs.
    expect(logs).not.toContain(new URL(link).hash.slice('#token='.length));
  });

  it('the link signs the browser in; the person creates a GitHub configuration; Claude is told and calls its tool', async () => {
    const origin = new URL(link).origin;
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, reducedMotion: 'reduce' });
    context.setDefaultTimeout(PATIENCE_MS);
    const page = await context.newPage();
    const problems = watchPageErrors(page, origin);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Your connector configurations' }).waitFor();
    // The token left the address bar as soon as it was used.
    expect(page.url()).not.toContain('token=');
    await screenshot(page, 'desktop-1-signed-in-by-link');

    await page.getByRole('link', { name: 'Add a configuration' }).click();
    await page.getByLabel('Connector (required)').selectOption('pc_github');
    await page.getByLabel('Name (required)').fill('My GitHub');
    await page.getByLabel('Api base url').fill(github.url);
    await page.getByLabel('Repository').fill('acme/backend');
    await page.getByLabel('Kind').selectOption('api_key');
    await page.locator('#f-credentials-api_key').fill(FAKE_GITHUB_TOKEN);
    const changedBefore = listChanged;
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('li.card', { hasText: 'My GitHub' }).waitFor();
    await screenshot(page, 'desktop-2-configuration');
    expect(problems).toEqual([]);
    await context.close();

    await waitFor(() => listChanged > changedBefore, 'notifications/tools/list_changed over stdio');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('my_github_get_issue');
    const before = github.requests.length;
    const r = await client.callTool({ name: 'my_github_get_issue', arguments: { issue_number: 1 } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(JSON.stringify(r.content)).toContain('Issue number 1');
    const sent = github.requests.slice(before).find((q) => q.path === '/repos/acme/backend/issues/1');
    expect(sent?.headers.authorization).toMatch(new RegExp(`${FAKE_GITHUB_TOKEN}$`));
    expect(logs).not.toContain(FAKE_GITHUB_TOKEN);
  });

  it('a used link does not sign in a second browser; a new link opened in that same tab signs it in without a reload', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(PATIENCE_MS);
    const page = await context.newPage();
    const problems = watchPageErrors(page, new URL(link).origin);
    await page.goto(link);
    await page.getByText(/sign-in link is unknown, expired or already used/).waitFor();
    const again = (await client.callTool({ name: TOOL, arguments: {} })).structuredContent as { url: string };
    expect(new URL(again.url).origin).toBe(new URL(link).origin);
    expect(again.url).not.toBe(link);
    // Only the fragment differs from what the tab shows: the browser keeps the document and fires
    // hashchange. The marker survives only if the document was not reloaded.
    await page.evaluate('window.sameDocument = true');
    await page.goto(again.url);
    await page.locator('li.card', { hasText: 'My GitHub' }).waitFor();
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(page.url()).not.toContain('token=');
    // The tab is signed in by that link, and the link is spent.
    const spent = await page.evaluate(async (token) => (await fetch('/v1/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ one_time_token: token }) })).status, new URL(again.url).hash.slice('#token='.length));
    expect(spent).toBe(401);

    // Signed out, the same tab signs in again from the next link, still without a reload.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the connector gateway' }).waitFor();
    const third = (await client.callTool({ name: TOOL, arguments: {} })).structuredContent as { url: string };
    await page.goto(third.url);
    await page.locator('li.card', { hasText: 'My GitHub' }).waitFor();
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the connector-gateway command reads what the bundle sealed, from the same data file with the same key', async () => {
    // The default data file (and its journal and key file): the token is in none of them in clear.
    const folder = join(h.home, '.config', 'mcp-connector-gateway');
    const files = await readdir(folder);
    expect(files).toContain('data.json');
    for (const f of files) expect(await readFile(join(folder, f), 'utf8'), f).not.toContain(FAKE_GITHUB_TOKEN);
    const listed = await h.cli(['configs', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const id = (JSON.parse(listed.stdout) as { data: { id: string; name: string }[] }).data.find((c) => c.name === 'My GitHub')?.id;
    expect(id).toBeDefined();
    // The health check unseals the token and calls GitHub with it.
    const before = github.requests.length;
    const tested = await h.cli(['configs', 'test', id!, '--json']);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toContain('"healthy"');
    expect(github.requests.slice(before).some((q) => (q.headers.authorization ?? '').endsWith(FAKE_GITHUB_TOKEN))).toBe(true);
  });
});
