/**
 * What the CLI seals, the server Claude Desktop starts can open: a credential sealed by
 * `configs create` on the user's defaults (no data file, no key set anywhere) is used by the stdio
 * server launched exactly from the entry `install claude-desktop` wrote, and by the MCP Bundle's
 * server launched from manifest.json by mcpb's own code with the user's settings left empty.
 * Claude Desktop gives a server only a default environment (HOME, PATH, USER…) plus its entry's env.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getMcpConfigForManifest, v0_3 } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS } from '../helpers/timing.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { ROOT } from '../helpers/cli.js';
import { desktopHome, type DesktopHome } from './desktop-home.js';

const TOKEN = 'tok-sealed-by-the-cli-4242';
let h: DesktopHome;
let upstream: Awaited<ReturnType<typeof startUpstream>>;

beforeAll(async () => {
  h = await desktopHome();
  upstream = await startUpstream({ requireBearer: TOKEN });
  // Stored with the data, so the server Claude Desktop starts allows the loopback upstream too.
  const allowed = await h.cli(['settings', 'set', 'allow_loopback', 'true']);
  if (allowed.code !== 0) throw new Error(`settings set failed: ${allowed.stderr}`);
  const created = await h.cli(
    ['configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Sealed echo', '--config', JSON.stringify({ endpoint: upstream.url }), '--credentials-file', '-', '--json'],
    {},
    JSON.stringify({ type: 'bearer', token: TOKEN }),
  );
  if (created.code !== 0) throw new Error(`configs create failed: ${created.stderr}`);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await upstream?.close();
  await h?.remove();
});

/** Starts a stdio server like Claude Desktop does and calls the configuration's echo tool. */
async function callThrough(launch: { command: string; args: string[]; env: Record<string, string> }): Promise<{ names: string[]; text: unknown; logs: string }> {
  const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
  const transport = new StdioClientTransport({ ...launch, cwd: h.home, stderr: 'pipe' });
  let logs = '';
  transport.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    const echo = tools.find((t) => t.name.endsWith('_echo'));
    if (!echo) return { names: tools.map((t) => t.name), text: undefined, logs };
    const result = await client.callTool({ name: echo.name, arguments: { message: 'sealed by the CLI' } });
    return { names: tools.map((t) => t.name), text: result.content, logs };
  } finally {
    await client.close();
  }
}

/** Claude's environment for a server: the SDK's default set, on this user's HOME. */
function desktopEnv(extra: Record<string, string>): Record<string, string> {
  return { ...getDefaultEnvironment(), HOME: h.home, ...extra };
}

describe('one data file and one key for the CLI and Claude Desktop', { timeout: TEST_TIMEOUT_MS }, () => {
  it('the credential is sealed at rest in the default data file, with the key file beside it', async () => {
    const dataFile = join(h.home, '.config', 'mcp-connector-gateway', 'data.json');
    const text = await readFile(dataFile, 'utf8');
    expect(text).toContain('Sealed echo');
    expect(text).not.toContain(TOKEN);
    await expect(readFile(`${dataFile}.key`, 'utf8')).resolves.toContain('"primary"');
  });

  it('the stdio server launched from the entry that install wrote uses it', async () => {
    const r = await h.cli(['install', 'claude-desktop', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(h.home, '.config', 'Claude', 'claude_desktop_config.json'), 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }>;
    };
    const entry = config.mcpServers['connector-gateway'];
    if (!entry) throw new Error('no entry written');
    const seenBefore = upstream.seen.authorization.length;
    const out = await callThrough({ command: entry.command, args: entry.args, env: desktopEnv(entry.env) });
    expect(out.text, `${JSON.stringify(out.names)}\n${out.logs}`).toEqual([{ type: 'text', text: 'sealed by the CLI' }]);
    expect(upstream.seen.authorization.slice(seenBefore)).toContain(`Bearer ${TOKEN}`);
    expect(out.logs).not.toContain(TOKEN);
  });

  it("the MCP Bundle's server, with every setting left at its default, uses it", async () => {
    const manifest = v0_3.McpbManifestSchema.parse(JSON.parse(await readFile(join(ROOT, 'manifest.json'), 'utf8')));
    // The repository itself stands in for the unpacked bundle: same manifest, same dist/.
    const config = await getMcpConfigForManifest({ manifest, extensionPath: ROOT, systemDirs: { HOME: h.home }, userConfig: {}, pathSeparator: '/' });
    if (!config) throw new Error('mcpb resolved no server configuration');
    const out = await callThrough({ command: config.command === 'node' ? process.execPath : config.command, args: config.args ?? [], env: desktopEnv(config.env ?? {}) });
    expect(out.text, `${JSON.stringify(out.names)}\n${out.logs}`).toEqual([{ type: 'text', text: 'sealed by the CLI' }]);
  });
});
