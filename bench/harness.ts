import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { openAppContext } from '../src/app/context.js';
import { freePort } from '../test/helpers/everything.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/main.js');
export const TSX = join(ROOT, 'node_modules/.bin/tsx');

/** A child process that prints one JSON line when ready. */
export async function spawnJsonLine<T>(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; value: T }> {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
  rl.close();
  return { child, value: JSON.parse(line) as T };
}

export async function startUpstreams(count: number, opts: { tools?: number; listDelay?: string; big?: boolean } = {}) {
  const args = ['bench/fixtures/upstreams.ts', '--count', String(count), '--tools', String(opts.tools ?? 0), '--list-delay-ms', opts.listDelay ?? '0', ...(opts.big ? ['--big'] : [])];
  const { child, value } = await spawnJsonLine<{ urls: string[] }>(TSX, args);
  return { urls: value.urls, pid: child.pid!, close: () => stop(child) };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/**
 * A data file with an API key and one custom MCP configuration per upstream URL, then the real
 * server on it. `principals` > 1 gives each further principal the same configurations and its own key;
 * `cli` is another build's main.js, for A/B runs of two builds against the same upstream.
 */
export async function startGateway(upstreamUrls: string[], opts: { nodeArgs?: string[]; principals?: number; cli?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cgw-bench-'));
  // Throughput runs make tens of thousands of calls a minute from one principal: no /mcp rate limit.
  const settingsFile = join(dir, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ limits: { mcp_rate_limit_per_minute: 0 } }));
  const env = {
    ...process.env,
    CONNECTOR_GATEWAY_KEY: randomBytes(32).toString('base64'),
    CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1',
    CONNECTOR_GATEWAY_CONFIG: settingsFile,
  };
  const dataFile = join(dir, 'data.json');
  // The setup's own lines (data file created) are not the bench's business; the server keeps the default level.
  const ctx = await openAppContext({ dataFile, env: { ...env, CONNECTOR_GATEWAY_LOG_LEVEL: 'warn' } });
  const secrets: string[] = [];
  for (let p = 0; p < (opts.principals ?? 1); p++) {
    const user = p === 0 ? 'usr_bench' : `usr_bench${p}`;
    secrets.push((await ctx.apiKeys.create({ organization_id: 'org_bench', user_id: user })).secret);
    const principal = { organization_id: 'org_bench', user_id: user, via: 'api_key' as const };
    for (const [i, url] of upstreamUrls.entries()) {
      await ctx.configurations.create(principal, { personal_connector_id: 'pc_custom_mcp', name: `Upstream ${i}`, configuration: { endpoint: url } });
    }
  }
  await ctx.close();
  const server = await spawnServer(dataFile, env, opts.nodeArgs ?? gatewayNodeArgs(), opts.cli);
  return { ...server, secret: secrets[0]!, secrets };
}

/** BENCH_GATEWAY_NODE_ARGS: Node/V8 flags for the gateway process only (A/B runs of V8 settings). */
function gatewayNodeArgs(): string[] {
  return (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/**
 * The built server (`serve --transport http`) on a free loopback port, once /healthz answers. Default
 * settings, as a user runs it: the default log level (a line per call) and its log to a file beside
 * the data file (`gateway.log`), as a service manager or a shell redirect would take it. Inheriting
 * the bench's stderr would bill the bench runner's copying of every line to whichever path runs.
 */
export async function spawnServer(dataFile: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = [], cli = CLI) {
  const port = await freePort();
  const log = openSync(join(dirname(dataFile), 'gateway.log'), 'a');
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve', '--transport', 'http', '--host', '127.0.0.1', '--port', String(port), '--data', dataFile], {
    env,
    stdio: ['ignore', 'ignore', log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { url, mcpUrl: `${url}/mcp`, child, pid: child.pid!, close: () => stop(child) };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(child);
  throw new Error(`the gateway did not start (exit code ${child.exitCode})`);
}

/** The minimal Node HTTP relay (bench/fixtures/http-relay.ts) in front of `targetUrl`, in its own process. */
export async function startHttpRelay(targetUrl: string) {
  const { child, value } = await spawnJsonLine<{ port: number }>(process.execPath, ['--import', 'tsx', 'bench/fixtures/http-relay.ts', '--target', targetUrl]);
  return { url: `http://127.0.0.1:${value.port}${new URL(targetUrl).pathname}`, pid: child.pid!, close: () => stop(child) };
}

/**
 * The fetch every bench client uses. The SDK transports hand one transport-wide AbortSignal to
 * every POST; Node's fetch leaves an abort listener per request on it until a full GC collects the
 * request, and past 1,500 listeners it emits a MaxListenersExceeded warning (an Error with a stack,
 * written to stderr) on every call. That is client-side cost that depends on GC timing and lands
 * on whichever path happens to be measured. The benches never abort a POST, so POSTs go without the
 * signal; the standalone GET stream keeps it, so close() still ends it.
 */
export const benchFetch: typeof fetch = (url, init) => fetch(url, init?.method === 'POST' ? { ...init, signal: undefined } : init);

export async function mcpClient(url: string, opts: { bearer?: string; era?: 'modern' | 'legacy' } = {}) {
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: opts.era === 'legacy' ? { mode: 'legacy' } : { mode: 'auto' } });
  const requestInit = opts.bearer ? { requestInit: { headers: { Authorization: `Bearer ${opts.bearer}` } } } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { ...requestInit, fetch: benchFetch }));
  return client;
}
