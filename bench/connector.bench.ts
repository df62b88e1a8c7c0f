/**
 * Connector cost: the same GitHub `get_issue` (GET /repos/acme/backend/issues/1) made
 *   (a) directly with undici against the GitHub fake, with the connector's headers;
 *   (b) through a bare SDK v2 MCP server that makes the same undici request (the floor any MCP
 *       server pays: client, JSON-RPC, HTTP transport);
 *   (c) through the gateway: SDK v2 client → `connector-gateway serve --transport http` → pc_github → fake.
 * Warm, interleaved, same run; the fake, the bare server and the gateway each run in their own
 * process. Run alone: `npx tsx bench/connector.bench.ts`. This file is also the child for (fake)
 * and (b), selected by `--serve-fake` / `--serve-bare <fake url>`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import type { Client } from '@modelcontextprotocol/client';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { openAppContext } from '../src/app/context.js';
import { FAKE_GITHUB_TOKEN, startFakeGithub } from '../test/fakes/github.js';
import { mcpClient, spawnJsonLine, spawnServer, stop } from './harness.js';
import { ms, stats, table, WARMUP_CALLS as WARMUP, type BenchSection } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx'); // the fake and the bare server run from sources
const SELF = fileURLToPath(import.meta.url);
const CALLS = Number(process.env.BENCH_CALLS ?? 1500);
const ISSUE_PATH = '/repos/acme/backend/issues/1';
/** What pc_github sends on every request (connectors/github/index.ts and the HTTP client's User-Agent). */
const GITHUB_HEADERS = {
  authorization: `Bearer ${FAKE_GITHUB_TOKEN}`,
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'mcp-connector-gateway/0.1',
};
const BUDGET_MS = 0.5;

/** One keep-alive pool, as the gateway has; returns the parsed issue like a connector would. */
function directCaller(fakeUrl: string) {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const url = `${fakeUrl}${ISSUE_PATH}`;
  return {
    async call(): Promise<{ number: number; title: string }> {
      const res = await request(url, { method: 'GET', headers: GITHUB_HEADERS, dispatcher: agent });
      const body = (await res.body.json()) as { number: number; title: string };
      if (res.statusCode !== 200) throw new Error(`direct call answered ${res.statusCode}`);
      return body;
    },
    close: () => agent.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

async function serveFake(): Promise<void> {
  const fake = await startFakeGithub();
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
}

/** (b): the thinnest MCP server that answers get_issue by making the same request. */
async function serveBare(fakeUrl: string): Promise<void> {
  const direct = directCaller(fakeUrl);
  const handler = createMcpHandler(() => {
    const server = new Server({ name: 'bare-github', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({
      tools: [{ name: 'get_issue', description: 'Reads one issue', inputSchema: { type: 'object', properties: { issue_number: { type: 'number' } } } }],
    }));
    server.setRequestHandler('tools/call', async () => {
      const issue = await direct.call();
      return { content: [{ type: 'text', text: `#${issue.number} ${issue.title}` }], structuredContent: { repository: 'acme/backend', issue } };
    });
    return server;
  });
  const node = toNodeHandler(handler);
  const server = createServer((req, res) => void node(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` })}\n`);
}

function exitWithParent(): void {
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The gateway, for real: a data file with one pc_github configuration, then `serve --transport http`.

async function startGithubGateway(fakeUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cgw-bench-connector-'));
  const env = { ...process.env, CONNECTOR_GATEWAY_KEY: randomBytes(32).toString('base64'), CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1', LOG_LEVEL: 'warn', CONNECTOR_GATEWAY_LOG_LEVEL: 'warn' };
  const dataFile = join(dir, 'data.json');
  const ctx = await openAppContext({ dataFile, env });
  const key = await ctx.apiKeys.create({ organization_id: 'org_bench', user_id: 'usr_bench' });
  await ctx.configurations.create(
    { organization_id: 'org_bench', user_id: 'usr_bench', via: 'api_key' },
    { personal_connector_id: 'pc_github', name: 'Bench GitHub', configuration: { api_base_url: fakeUrl, repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN } },
  );
  await ctx.close();
  const server = await spawnServer(dataFile, env);
  return {
    mcpUrl: server.mcpUrl,
    secret: key.secret,
    via: 'dist/src/cli/main.js',
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function mcpGetIssue(c: Client, tool: string): Promise<void> {
  const r = await c.callTool({ name: tool, arguments: { issue_number: 1 } });
  if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
}

export default async function connectorBench(): Promise<BenchSection> {
  const fake = await spawnJsonLine<{ url: string }>(TSX, [SELF, '--serve-fake']);
  const bareChild = await spawnJsonLine<{ url: string }>(TSX, [SELF, '--serve-bare', fake.value.url]);
  const gw = await startGithubGateway(fake.value.url);
  const direct = directCaller(fake.value.url);
  try {
    const bare = await mcpClient(bareChild.value.url);
    const viaGateway = await mcpClient(gw.mcpUrl, { bearer: gw.secret });
    const paths: [string, () => Promise<unknown>, number[]][] = [
      ['(a) direct, undici', () => direct.call(), []],
      ['(b) bare SDK server + undici', () => mcpGetIssue(bare, 'get_issue'), []],
      ['(c) gateway (pc_github)', () => mcpGetIssue(viaGateway, 'bench_github_get_issue'), []],
    ];
    for (let i = 0; i < WARMUP; i++) for (const [, fn] of paths) await fn();
    for (let i = 0; i < CALLS; i++) {
      // Interleaved, rotating the order: every path sees the same machine noise.
      for (let k = 0; k < paths.length; k++) {
        const [, fn, out] = paths[(i + k) % paths.length] ?? paths[0]!;
        const t0 = performance.now();
        await fn();
        out.push(performance.now() - t0);
      }
    }
    await bare.close();
    await viaGateway.close();

    const [a, b, c] = paths.map(([, , s]) => stats(s)) as [ReturnType<typeof stats>, ReturnType<typeof stats>, ReturnType<typeof stats>];
    const added = c.median - b.median;
    const rows = [
      [paths[0]![0], ms(a.median), ms(a.p99), '', ''],
      [paths[1]![0], ms(b.median), ms(b.p99), `+${ms(b.median - a.median)}`, ''],
      [paths[2]![0], ms(c.median), ms(c.p99), `+${ms(c.median - a.median)}`, `${added >= 0 ? '+' : ''}${ms(added)}`],
    ];
    return {
      title: 'Connector: GitHub get_issue direct vs. through the gateway',
      markdown: [
        `${CALLS} interleaved calls per path after ${WARMUP} warm-up rounds; latencies in ms. The GitHub fake, the bare server and the gateway (${gw.via}) each run in their own process; the clients run in the bench process. 2 cores are shared by all of them.`,
        '',
        table(['path', 'median', 'p99', 'added median vs. (a)', 'added median vs. (b)'], rows),
        '',
        `(b) − (a) is what any MCP server costs here (SDK client, JSON-RPC, Streamable HTTP). The gateway's own cost is (c) − (b): ` +
          `${ms(added)} ms at the median, ${added < BUDGET_MS ? 'within' : 'over'} the ${BUDGET_MS} ms budget. ` +
          `Against raw undici (c − a) the budget ${c.median - a.median < BUDGET_MS ? 'is met' : 'cannot be met by any MCP path: (b) alone adds ' + ms(b.median - a.median) + ' ms'}.`,
      ].join('\n'),
    };
  } finally {
    await direct.close();
    await gw.close();
    await stop(bareChild.child);
    await stop(fake.child);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mode = process.argv[2];
  if (mode === '--serve-fake') {
    await serveFake();
    exitWithParent();
  } else if (mode === '--serve-bare') {
    await serveBare(process.argv[3] ?? '');
    exitWithParent();
  } else {
    const s = await connectorBench();
    console.log(`## ${s.title}\n\n${s.markdown}`);
  }
}
