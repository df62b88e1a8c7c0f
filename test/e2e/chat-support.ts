/**
 * A chat client for the in-chat connect tests: an SDK client that declared URL-mode elicitation and
 * acts as the person with a browser when asked to open a URL.
 */
import { expect } from 'vitest';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { StartedOidcProvider } from '../fakes/oidc-provider.js';
import type { SpawnedServer } from '../helpers/server.js';
import { CookieBrowser } from './oauth-support.js';

export const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

export type Era = 'legacy' | 'modern';
export type Answer = 'accept' | 'decline';

/** One URL elicitation the client received, and where the browser was sent at the provider. */
export interface Asked {
  url: string;
  message: string;
  elicitationId?: string;
  providerAuth?: URL;
}

/**
 * The person's browser at a URL the gateway asked them to open: the gateway's confirmation page
 * (its button pressed), the provider's consent as `account`, the callback. Returns where the
 * browser was sent at the provider.
 */
export async function consentInBrowser(url: string, provider: StartedOidcProvider, account: string): Promise<URL> {
  const browser = new CookieBrowser();
  const page = await browser.get(url);
  const html = await page.text();
  expect(page.status, html).toBe(200);
  const toProvider = await browser.submitForm(url, html);
  expect(toProvider.status).toBe(303);
  const providerAuth = new URL(toProvider.headers.get('location')!);
  const callback = await provider.authorize(providerAuth, account);
  const done = await browser.get(callback);
  expect(done.status, await done.text()).toBe(200);
  return providerAuth;
}

/**
 * An MCP client that declared URL-mode elicitation. When asked to open a URL it acts as the person
 * with a browser: opens the gateway's confirmation page, presses its button, consents at the
 * provider as `account`, and lands on the callback; then answers `accept`. Or it declines.
 */
export async function chatClient(server: SpawnedServer, secret: string, era: Era, provider: StartedOidcProvider, account: string, opts: { elicitation?: boolean; answer?: Answer } = {}) {
  const asked: Asked[] = [];
  const completed: string[] = [];
  const client = new Client(
    { name: 'chat', version: '1' },
    {
      capabilities: opts.elicitation === false ? {} : { elicitation: { url: {} } },
      versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } },
    },
  );
  if (opts.elicitation !== false) {
    client.setRequestHandler('elicitation/create', async (req) => {
      const p = req.params as { mode?: string; url?: string; message: string; elicitationId?: string };
      expect(p.mode).toBe('url');
      const entry: Asked = { url: p.url!, message: p.message, ...(p.elicitationId ? { elicitationId: p.elicitationId } : {}) };
      asked.push(entry);
      if (opts.answer === 'decline') return { action: 'decline' };
      entry.providerAuth = await consentInBrowser(p.url!, provider, account);
      return { action: 'accept' };
    });
    client.setNotificationHandler('notifications/elicitation/complete', (n) => {
      completed.push(String((n.params as { elicitationId: string }).elicitationId));
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  const call = async (suffix: string) => {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const name = tools.find((n) => n.endsWith(`_${suffix}`));
    expect(name, `tools: ${tools.join(', ')}`).toBeDefined();
    return (await client.callTool({ name: name!, arguments: {} })) as CallToolResult;
  };
  return { client, asked, completed, call, close: () => client.close() };
}

