import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startEverything } from '../helpers/everything.js';
import { CLI, cliJson, tempEnv } from '../helpers/cli.js';

/** What Claude Desktop does: spawn the built binary and speak MCP over its stdio. */
async function connectStdio(env: Record<string, string>, mode: 'legacy' | 'auto') {
  const client = new Client({ name: 'e2e', version: '1' }, { versionNegotiation: { mode } });
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--transport', 'stdio'], env, stderr: 'pipe' });
  await client.connect(transport);
  return client;
}

describe('stdio: the built binary as Claude Desktop runs it', () => {
  let everything: Awaited<ReturnType<typeof startEverything>>;
  const env = tempEnv();
  let configId = '';

  beforeAll(async () => {
    everything = await startEverything();
    const created = await cliJson<{ id: string }>(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Everything', '--config', JSON.stringify({ endpoint: everything.url })], env);
    configId = created.id;
  });
  afterAll(async () => {
    await everything.close();
  });

  it.each(['legacy', 'auto'] as const)('lists and calls tools (%s negotiation)', async (mode) => {
    const client = await connectStdio(env, mode);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('everything_echo');
    const r = await client.callTool({ name: 'everything_echo', arguments: { message: 'over stdio' } });
    expect(JSON.stringify(r.content)).toContain('over stdio');
    await client.close();
  });

  it('sees list_changed after a CLI edit from another process', async () => {
    let changed = 0;
    const client = new Client({ name: 'e2e', version: '1' }, { listChanged: { tools: { onChanged: () => changed++, autoRefresh: false } } });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve'], env, stderr: 'pipe' }));
    await client.listTools();
    await cliJson(['configs', 'update', configId, '--name', 'Renamed'], env);
    await expect.poll(() => changed).toBeGreaterThanOrEqual(1);
    // The tools now name the renamed configuration; their names stay (the prefix is the configuration's).
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'everything_echo')?.description).toMatch(/^\[Renamed · /);
    expect(tools.some((t) => t.name.startsWith('renamed_'))).toBe(false);
    await client.close();
  });
});
