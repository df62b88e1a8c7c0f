import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, type ApiBody } from '../helpers/server.js';
import { waitFor } from '../helpers/timing.js';
import { bearerClient, CookieBrowser } from './oauth-support.js';
import { useProtectedStack } from './protected-stack.js';

const START = `${CONFIGURATIONS}/oauth/start`;

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

/**
 * A remote MCP server protected by OAuth, connected through the built server with nothing but its
 * URL: no settings entry, dynamic registration, the browser-bound REST flow, re-authorization with
 * more scope after a 403 insufficient_scope, and two users who each use their own tokens.
 */
describe('remote MCP server behind OAuth (built server, REST)', () => {
  const s = useProtectedStack();

  /** Start → gateway confirmation page → provider consent → callback, as one browser. */
  async function consent(secret: string, body: Record<string, unknown>, account: string): Promise<{ status: number; json: ApiBody; auth: URL }> {
    const start = await api<ApiBody & { authorization_url: string }>(s.server.url, secret, 'POST', START, body);
    expect(start.status, start.text).toBe(200);
    const browser = new CookieBrowser();
    const page = await browser.get(start.json!.authorization_url);
    const toProvider = await browser.submitForm(start.json!.authorization_url, await page.text());
    expect(toProvider.status).toBe(303);
    const auth = new URL(toProvider.headers.get('location')!);
    const callback = await s.provider.authorize(auth, account);
    const done = await browser.get(callback, { accept: 'application/json' });
    return { status: done.status, json: (await done.json()) as ApiBody, auth };
  }

  async function callAs(secret: string, suffix: string): Promise<CallToolResult> {
    const client = await bearerClient(s.server.mcpUrl, secret);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      const name = tools.find((n) => n.endsWith(`_${suffix}`));
      expect(name, `tools: ${tools.join(', ')}`).toBeDefined();
      return (await client.callTool({ name: name!, arguments: {} })) as CallToolResult;
    } finally {
      await client.close();
    }
  }

  it('needs authorization, is connected with its URL alone, steps up on insufficient_scope, and keeps users apart', async () => {
    const alice = s.data.principals[0]!.secret;
    const bob = s.data.principals[1]!.secret;

    // A configuration with only the endpoint: discovery meets the 401 and says where to connect.
    const created = await api(s.server.url, alice, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'Protected', configuration: { endpoint: s.upstream.url } });
    expect(created.status, created.text).toBe(201);
    const id = String(created.json!.id);
    const client = await bearerClient(s.server.mcpUrl, alice);
    // Its tools cannot be listed yet: one stand-in tool connects it (from inside the chat).
    expect((await client.listTools()).tools.filter((t) => t.name.startsWith('protected')).map((t) => t.name)).toEqual(['protected_authorize']);
    await client.close();
    // Health is written behind discovery: wait for it.
    const waiting = await waitFor(async () => {
      const r = await api(s.server.url, alice, 'GET', `${CONFIGURATIONS}/${id}`);
      return r.json?.health_status === 'unhealthy' ? r : undefined;
    }, 'the configuration to turn unhealthy');
    expect(String(waiting.json!.last_error)).toMatch(new RegExp(`^needs authorization: .*configs connect --id ${id}.*oauth/start \\{"configuration_id":"${id}"\\}`));

    // Another principal cannot authorize Alice's configuration: it does not exist for them.
    const foreign = await api(s.server.url, bob, 'POST', START, { configuration_id: id });
    expect(foreign.status).toBe(404);

    // Re-authorize with the read scope only, through the browser-bound flow.
    const first = await consent(alice, { configuration_id: id, scope: 'tools:read' }, 'alice');
    expect(first.status, JSON.stringify(first.json)).toBeLessThan(300);
    expect(first.auth.searchParams.get('resource')).toBe(s.upstream.resource);
    expect(first.auth.searchParams.get('scope')?.split(' ').sort()).toEqual(['offline_access', 'tools:read']);
    expect(first.json).toMatchObject({ id });
    expect(textOf(await callAs(alice, 'whoami'))).toBe('whoami as alice');

    // A tool that needs more: 403 insufficient_scope → the result says how to grant it.
    const refused = await callAs(alice, 'write');
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/needs authorization with more scope \(tools:read tools:write\).*--scope "tools:read tools:write"/);

    const stepUp = await consent(alice, { configuration_id: id, scope: 'tools:read tools:write' }, 'alice');
    expect(stepUp.status).toBeLessThan(300);
    expect(textOf(await callAs(alice, 'write'))).toBe('write as alice');

    // Bob connects the same server with its URL alone; the registration is shared, the tokens are not.
    const bobs = await consent(bob, { personal_connector_id: 'pc_custom_mcp', name: 'Protected', configuration: { endpoint: s.upstream.url } }, 'bob');
    expect(bobs.status, JSON.stringify(bobs.json)).toBe(201);
    expect(bobs.auth.searchParams.get('client_id')).toBe(first.auth.searchParams.get('client_id'));
    expect(textOf(await callAs(bob, 'whoami'))).toBe('whoami as bob');
    expect(textOf(await callAs(alice, 'whoami'))).toBe('whoami as alice');

    const registrations = JSON.parse(await readFile(`${s.data.dataFile}.oauth-registrations.json`, 'utf8')) as { registrations: { issuer: string }[] };
    expect(registrations.registrations).toHaveLength(1);
    expect(registrations.registrations[0]!.issuer).toBe(s.provider.issuer);
    expect(JSON.stringify(registrations)).not.toContain(first.auth.searchParams.get('client_id'));
  });
});
