import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverything } from '../helpers/everything.js';
import { CLI, ROOT, cliJson, tempEnv } from '../helpers/cli.js';
import { startGateway } from '../../bench/harness.js';

const INSPECTOR = join(ROOT, 'node_modules/.bin/mcp-inspector-cli');

/** The MCP Inspector's CLI mode, as a developer runs it (from a folder inside the project: it reads ../package.json). */
function inspector(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(INSPECTOR, ['--cli', ...args], { cwd: join(ROOT, 'test'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('MCP Inspector CLI against the gateway', () => {
  let everything: Awaited<ReturnType<typeof startEverything>>;
  const env = tempEnv();

  beforeAll(async () => {
    everything = await startEverything();
    await cliJson(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Everything', '--config', JSON.stringify({ endpoint: everything.url })], env);
  });
  afterAll(async () => {
    await everything.close();
  });

  it('lists and calls tools over stdio', async () => {
    const list = await inspector([process.execPath, CLI, 'serve', '--method', 'tools/list'], env);
    expect(list.code, list.stderr).toBe(0);
    const names = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain('everything_echo');
    const call = await inspector([process.execPath, CLI, 'serve', '--method', 'tools/call', '--tool-name', 'everything_echo', '--tool-arg', 'message=from-inspector'], env);
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout).toContain('from-inspector');
  });

  it('lists and calls tools over Streamable HTTP with an API key', async () => {
    const gw = await startGateway([everything.url]);
    try {
      const common = [`${gw.mcpUrl}`, '--transport', 'http', '--header', `Authorization: Bearer ${gw.secret}`];
      const list = await inspector([...common, '--method', 'tools/list'], process.env);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain('upstream_0_echo');
      const call = await inspector([...common, '--method', 'tools/call', '--tool-name', 'upstream_0_echo', '--tool-arg', 'message=over-http'], process.env);
      expect(call.code, call.stderr).toBe(0);
      expect(call.stdout).toContain('over-http');
    } finally {
      await gw.close();
    }
  });
});
