/**
 * A Claude Desktop user whose configuration needs an account connected: the bundle's stdio server
 * (started from manifest.json by mcpb's code) sends a client that declared URL-mode elicitation to
 * its own loopback page's confirmation step (starting the page for it), the person consents at the
 * provider (the loopback OpenID provider with dynamic registration), and the call returns the
 * upstream's real result. A client without URL elicitation is told where to connect instead.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getMcpConfigForManifest, v0_3 } from '@anthropic-ai/mcpb';
import { Client, type CallToolResult } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startProtectedMcp, type ProtectedMcp } from '../fakes/protected-mcp.js';
import { consentInBrowser } from '../e2e/chat-support.js';
import { ROOT } from '../helpers/cli.js';
import { TEST_TIMEOUT_MS } from '../helpers/timing.js';
import { desktopHome, type DesktopHome } from './desktop-home.js';

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('Claude Desktop: a call that needs an account connected is sent to the settings page', { timeout: TEST_TIMEOUT_MS }, () => {
  let h: DesktopHome;
  let provider: StartedOidcProvider;
  let upstream: ProtectedMcp;
  let launch: { command: string; args: string[]; env: Record<string, string> };

  beforeAll(async () => {
    h = await desktopHome();
    provider = await startOidcProvider({ registration: true });
    upstream = await startProtectedMcp({ issuer: provider.issuer });
    // Test-only: the provider and the upstream stand in for internet services on loopback.
    const allowed = await h.cli(['settings', 'set', 'allow_loopback', 'true']);
    if (allowed.code !== 0) throw new Error(`settings set failed: ${allowed.stderr}`);
    const created = await h.cli(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Protected', '--config', JSON.stringify({ endpoint: upstream.url }), '--json']);
    if (created.code !== 0) throw new Error(`configs create failed: ${created.stderr}`);
    const manifest = v0_3.McpbManifestSchema.parse(JSON.parse(await readFile(join(ROOT, 'manifest.json'), 'utf8')));
    const config = await getMcpConfigForManifest({ manifest, extensionPath: ROOT, systemDirs: { HOME: h.home }, userConfig: {}, pathSeparator: '/' });
    if (!config) throw new Error('mcpb resolved no server configuration');
    launch = { command: config.command === 'node' ? process.execPath : config.command, args: config.args ?? [], env: { ...getDefaultEnvironment(), HOME: h.home, ...(config.env ?? {}) } };
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([provider?.close(), upstream?.close()]);
    await h?.remove();
  });

  async function connect(elicitation: boolean) {
    const asked: { url: string; message: string }[] = [];
    const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' }, { capabilities: elicitation ? { elicitation: { url: {} } } : {} });
    if (elicitation) {
      client.setRequestHandler('elicitation/create', async (req) => {
        const p = req.params as { mode?: string; url?: string; message: string };
        expect(p.mode).toBe('url');
        asked.push({ url: p.url!, message: p.message });
        await consentInBrowser(p.url!, provider, 'alice');
        return { action: 'accept' };
      });
    }
    let logs = '';
    const transport = new StdioClientTransport({ ...launch, cwd: h.home, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    await client.connect(transport);
    const call = async (suffix: string) => {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      const name = tools.find((n) => n.endsWith(`_${suffix}`));
      expect(name, `tools: ${tools.join(', ')}\n${logs}`).toBeDefined();
      return (await client.callTool({ name: name!, arguments: {} })) as CallToolResult;
    };
    return { client, asked, call, logs: () => logs };
  }

  it('a client without URL elicitation is told to connect the account', async () => {
    const chat = await connect(false);
    try {
      const r = await chat.call('authorize');
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/^Configuration "Protected" \(pconf_[^,]+, Custom MCP server\) failed: needs authorization: connect it in a browser/);
    } finally {
      await chat.client.close();
    }
  });

  it('a client with URL elicitation opens the loopback page’s confirmation, and the call returns the real result', async () => {
    const chat = await connect(true);
    try {
      const connected = await chat.call('authorize');
      expect(connected.isError, textOf(connected)).toBeFalsy();
      expect(textOf(connected)).toMatch(/^Connected "Protected \(pconf_[^)]+\)"\. Its tools: .*_whoami/);
      expect(chat.asked).toHaveLength(1);
      expect(chat.asked[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/personal_connectors\/oauth\/authorize\?state=/);
      expect(chat.logs()).toContain('settings page listening on loopback');
      expect(textOf(await chat.call('whoami'))).toBe('whoami as alice');
      // The settings tool hands out a link to the same page the confirmation was on.
      const link = (await chat.client.callTool({ name: 'open-gateway-settings', arguments: {} })).structuredContent as { url: string };
      expect(new URL(link.url).origin).toBe(new URL(chat.asked[0]!.url).origin);
    } finally {
      await chat.client.close();
    }
  });
});
