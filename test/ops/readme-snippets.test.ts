import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { openAppContext } from '../../src/app/context.js';
import { silentLogger } from '../../src/domain/logger.js';
import { builtMainPath, nextSteps } from '../../src/cli/commands/first-run.js';
import { pathToFileURL } from 'node:url';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { CLI, ROOT, tempEnv } from '../helpers/cli.js';
import { startGateway } from '../../bench/harness.js';
import { tmpdir } from 'node:os';

/** The README and every reference document: snippets are tested wherever they live. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  'connectors/README.md',
  ...readdirSync(join(ROOT, 'connectors'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `connectors/${d.name}/README.md`),
];
const DOC = DOCUMENTS.map((f) => {
  try {
    return readFileSync(join(ROOT, f), 'utf8');
  } catch {
    return ''; // a connector folder without a README
  }
}).join('\n');

/** The fenced blocks of one language, in order. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

function desktopEntries(): ServerEntry[] {
  // Other JSON blocks in the README are fragments (settings entries): only whole documents count.
  const parsed = blocks('json').flatMap((b) => {
    try {
      return [JSON.parse(b) as { mcpServers?: Record<string, ServerEntry> }];
    } catch {
      return [];
    }
  });
  return parsed.flatMap((c) => Object.values(c.mcpServers ?? {}));
}

describe('the snippets in README.md and docs/ run as written', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const env = tempEnv();
  beforeAll(async () => {
    upstream = await startUpstream();
    // The snippets serve usr_local in org_local: give that user one configuration.
    const ctx = await openAppContext({ env, log: silentLogger });
    await ctx.configurations.create({ organization_id: 'org_local', user_id: 'usr_local', via: 'local' }, { personal_connector_id: 'pc_custom_mcp', name: 'Docs', configuration: { endpoint: upstream.url } });
    await ctx.close();
  });
  afterAll(async () => upstream.close());

  it('Claude Desktop over stdio: node with the absolute path of the built entry point', async () => {
    const entry = desktopEntries().find((e) => e.command === 'node');
    expect(entry).toBeDefined();
    // The one thing a reader changes: the absolute path of their clone.
    const [path, ...rest] = entry!.args;
    expect(path).toMatch(/^\/.*\/dist\/src\/cli\/main\.js$/);
    const client = new Client({ name: 'claude-desktop-snippet', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StdioClientTransport({ command: entry!.command, args: [CLI, ...rest], env: { ...env, ...(entry!.env ?? {}) }, stderr: 'pipe' }));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('docs_echo');
    await client.close();
  });

  it('Claude Desktop over HTTP through mcp-remote: runs as written, the API key travelling in an env variable', async () => {
    const entry = desktopEntries().find((e) => e.args.includes('mcp-remote'));
    expect(entry).toMatchObject({ command: 'npx', args: ['mcp-remote', 'http://127.0.0.1:3333/mcp', '--header', 'Authorization: Bearer ${CGW_KEY}'] });
    expect(Object.keys(entry!.env ?? {})).toEqual(['CGW_KEY']);
    expect(DOC).not.toMatch(/npx (-y )?mcp-connector-gateway/);
    // The same command and arguments against a real server: only the address differs (a free port).
    const server = await startGateway([upstream.url]);
    try {
      const [, , ...rest] = entry!.args;
      const args = [server.mcpUrl, ...rest];
      const client = new Client({ name: 'claude-desktop-remote-snippet', version: '1' });
      await client.connect(
        new StdioClientTransport({ command: join(ROOT, 'node_modules/.bin/mcp-remote'), args, env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'cgw-remote-home-')), CGW_KEY: server.secret }, stderr: 'pipe' }),
      );
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('upstream_0_echo');
      const r = await client.callTool({ name: 'upstream_0_echo', arguments: { message: 'via mcp-remote' } });
      expect(JSON.stringify(r.content)).toContain('via mcp-remote');
      await client.close();
    } finally {
      await server.close();
    }
  });

  it('the Inspector command for stdio prints the tool list', async () => {
    const block = blocks('sh').find((b) => b.includes('inspector-cli --cli node'));
    expect(block).toBeDefined();
    const lines = block!.trim().split('\n');
    expect(lines[0]).toBe('cd dist');
    const words = lines[1]!.split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['npx', '@modelcontextprotocol/inspector-cli']);
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(join(ROOT, 'node_modules/.bin/mcp-inspector-cli'), words.slice(2), { cwd: join(ROOT, 'dist'), env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { tools: { name: string }[] };
    expect(result.tools.map((t) => t.name)).toContain('docs_echo');
  });

  it("the first-run next steps print the same Claude Desktop entries, with this clone's built entry point", () => {
    expect(builtMainPath(pathToFileURL(join(ROOT, 'src/cli/commands/first-run.ts')).href)).toBe(CLI);
    expect(builtMainPath(pathToFileURL(join(ROOT, 'dist/src/cli/commands/first-run.js')).href)).toBe(CLI);
    const text = nextSteps('http://127.0.0.1:3333', 'key_x', 'cgw_secret', '/data/data.json', CLI);
    expect(text).not.toMatch(/npx (-y )?mcp-connector-gateway/);
    expect(text).toContain(`"command": "node"`);
    expect(text).toContain(`"${CLI}",`);
    expect(text).toContain('"Authorization: Bearer ${CGW_KEY}"');
    expect(text).not.toContain('"CGW_KEY": "cgw_secret"'); // the secret is shown once, above, not pasted into a config
  });
});
