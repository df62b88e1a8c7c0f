/**
 * The MCP Inspector command that the first HTTP start prints works as printed: the server
 * (`serve --transport http` on an empty data file) runs on each Node under test, and the printed
 * words run through npx from a folder outside any project, with that Node first on PATH, so the
 * Inspector (fetched by npx from the npm registry, through npm's cache) runs on it too.
 * Nodes: the one running the suite (.ci/run runs it on 20 and on 24), plus any in
 * CONNECTOR_GATEWAY_TEST_NODES (colon-separated node binaries; .ci/run names its Node 24 there).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS } from '../helpers/timing.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { CLI } from '../helpers/cli.js';
import { runProcess } from './desktop-home.js';

const nodes = [...new Set([process.execPath, ...(process.env.CONNECTOR_GATEWAY_TEST_NODES ?? '').split(':').filter(Boolean)])];
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let dir: string;

beforeAll(async () => {
  upstream = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'cgw-inspector-'));
});
afterAll(async () => {
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Words of one printed shell line: spaces split, double quotes group (all the line uses). */
function words(line: string): string[] {
  return [...line.trim().matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Starts the server on `node` and resolves with the printed Inspector line once it is out. */
async function firstStart(node: string, home: string) {
  const env = { ...getDefaultEnvironment(), HOME: home, CONNECTOR_GATEWAY_KEY: randomBytes(32).toString('base64'), CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1', CONNECTOR_GATEWAY_LOG_LEVEL: 'warn' };
  const child = spawn(node, [CLI, 'serve', '--transport', 'http', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const found = await new Promise<{ inspector: string; secret: string }>((resolve, reject) => {
    let secret = '';
    lines.on('line', (l) => {
      secret ||= /cgw_[A-Za-z0-9]{40}/.exec(l)?.[0] ?? '';
      if (/^\s*npx .*inspector/.test(l)) resolve({ inspector: l, secret });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${logs}`)));
  });
  return { child, ...found, logs: () => logs };
}

// npx may fetch the Inspector from the registry: five test deadlines.
describe('the Inspector command printed on the first start', { timeout: 5 * TEST_TIMEOUT_MS }, () => {
  for (const node of nodes) {
    it(`lists and calls tools on ${node}`, async () => {
      const home = await mkdtemp(join(dir, 'home-'));
      const s = await firstStart(node, home);
      try {
        const argv = words(s.inspector);
        expect(argv.slice(0, 3)).toEqual(['npx', '-y', '@modelcontextprotocol/inspector-cli@0.16.8']);
        const url = argv[argv.indexOf('--cli') + 1] ?? '';
        // A configuration for the printed key's user, through the REST API of the same server.
        const created = await fetch(new URL('/v1/personal_connectors/configurations', url), {
          method: 'POST',
          headers: { authorization: `Bearer ${s.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ personal_connector_id: 'pc_custom_mcp', name: 'Inspected', configuration: { endpoint: upstream.url } }),
        });
        expect(created.status, await created.clone().text()).toBe(201);

        const env = {
          ...getDefaultEnvironment(),
          HOME: home,
          PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
          npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
          npm_config_userconfig: process.env.npm_config_userconfig ?? join(homedir(), '.npmrc'),
          npm_config_update_notifier: 'false',
          npm_config_prefer_offline: 'true',
          ...(process.env.npm_config_registry ? { npm_config_registry: process.env.npm_config_registry } : {}),
        };
        const [cmd, ...args] = argv;
        const list = await runProcess(cmd ?? 'npx', args, { env, cwd: home });
        expect(list.code, list.stderr).toBe(0);
        expect((JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain('inspected_echo');

        const method = args.indexOf('--method');
        const call = await runProcess(cmd ?? 'npx', [...args.slice(0, method), '--method', 'tools/call', '--tool-name', 'inspected_echo', '--tool-arg', `message=on ${node}`], { env, cwd: home });
        expect(call.code, call.stderr).toBe(0);
        expect(call.stdout).toContain(`on ${node}`);

        // The same words with a wrong key fail: the check can fail.
        const wrong = await runProcess(cmd ?? 'npx', args.map((a) => a.replace(s.secret, `cgw_${'x'.repeat(40)}`)), { env, cwd: home });
        expect(wrong.code).not.toBe(0);
      } finally {
        s.child.kill('SIGTERM');
      }
    });
  }
});
