/**
 * Memory of the HTTP server (the real built process) with 1,000 configurations spread over 100
 * principals, then 100 open MCP sessions (2025 era, one per principal, each having listed its tools
 * once, which makes the gateway open every configuration's upstream session). VmRSS after a settle.
 * Run alone: npx tsx bench/memory.bench.ts (after npm run build).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { openAppContext } from '../src/app/context.js';
import { mcpClient, startUpstreams, stop } from './harness.js';
import { table, type BenchSection } from './lib.js';
import { benchDataDir, spawnServer } from './fixtures/gateway-process.js';
import { rssMb } from './fixtures/proc.js';
import { heapFigures } from './fixtures/metrics.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PRINCIPALS = QUICK ? 20 : 100;
const PER_PRINCIPAL = 10;
const UPSTREAMS = 4;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? (QUICK ? 500 : 3000));
const BUDGET_MB = 150;
/** Tools each fake upstream serves by default (echo, hang, fail, boom, die). */
const TOOLS_PER_UPSTREAM = 5;

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
const mb = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));

/** For scale: the RSS of a Node process that does nothing. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await settle();
    return rssMb(child.pid!);
  } finally {
    await stop(child);
  }
}

/** Runs `fn` over `items` with at most `width` in flight. */
async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function createConfiguration(baseUrl: string, secret: string, name: string, endpoint: string): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/personal_connectors/configurations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint } }),
  });
  if (res.status !== 201) throw new Error(`create configuration answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

type Mode = 'speed' | 'memory';
/** BENCH_MEMORY_MODES=speed (say) runs one mode only, for experiments. */
const MODES: Mode[] = (['speed', 'memory'] as const).filter((m) => (process.env.BENCH_MEMORY_MODES ?? 'speed,memory').split(',').includes(m));

/** The whole scenario on a fresh data file, the server started with CONNECTOR_GATEWAY_OPTIMIZE_FOR=`mode`. */
async function scenario(mode: Mode, upstreamUrls: string[]): Promise<{ rows: string[][]; withSessions: number }> {
  const { dir, dataFile, env: baseEnv } = benchDataDir('cgw-bench-mem-');
  const env = { ...baseEnv, CONNECTOR_GATEWAY_OPTIMIZE_FOR: mode };
  const clients: Client[] = [];
  let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    const ctx = await openAppContext({ dataFile, env });
    const secrets: string[] = [];
    for (let p = 0; p < PRINCIPALS; p++) secrets.push((await ctx.apiKeys.create({ organization_id: 'org_bench', user_id: `usr_${p}`, name: `bench ${p}` })).secret);
    await ctx.close();

    const rows: string[][] = [];
    server = await spawnServer(dataFile, env);
    const { pid, url: base } = server;
    const measure = async (state: string, note: string): Promise<number> => {
      const rss = rssMb(pid);
      const heap = await heapFigures(base, secrets[0]!);
      rows.push([mode, state, mb(rss), mb(heap.heapUsedMb), mb(heap.externalMb), note]);
      return rss;
    };
    await settle();
    await measure(`started (${PRINCIPALS} API keys, no configurations)`, '');

    const total = PRINCIPALS * PER_PRINCIPAL;
    const t0 = performance.now();
    const jobs = Array.from({ length: total }, (_, i) => ({ p: i % PRINCIPALS, k: Math.floor(i / PRINCIPALS) }));
    await pool(jobs, 8, ({ p, k }) => createConfiguration(base, secrets[p]!, `Upstream ${k}`, upstreamUrls[(p + k) % UPSTREAMS]!));
    const createS = (performance.now() - t0) / 1000;
    await settle();
    await measure(`${total.toLocaleString('en-US')} configurations created over the REST API`, `${createS.toFixed(1)} s to create, 8 in flight`);

    // Connect first, list after: the difference separates the cost of a client session from the
    // upstream sessions the gateway opens to answer its first tools/list.
    const t1 = performance.now();
    await pool(secrets, 10, async (secret) => {
      clients.push(await mcpClient(server!.mcpUrl, { bearer: secret, era: 'legacy' }));
    });
    const connectS = (performance.now() - t1) / 1000;
    await settle();
    await measure(`${PRINCIPALS} sessions open (initialized, nothing listed yet)`, `${connectS.toFixed(1)} s to connect, 10 at a time`);

    const t2 = performance.now();
    let tools = 0;
    await pool(clients, 10, async (c) => {
      // Awaited first: `tools += await …` would read `tools` before the await and lose concurrent updates.
      const listed = (await c.listTools()).tools.length;
      tools += listed;
    });
    const listS = (performance.now() - t2) / 1000;
    const expected = total * TOOLS_PER_UPSTREAM;
    await settle();
    const withSessions = await measure(
      `${PRINCIPALS} sessions open, each listed its tools once`,
      `${listS.toFixed(1)} s to list; ${tools.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} tools listed; ${total.toLocaleString('en-US')} upstream sessions behind them`,
    );
    for (const c of clients.splice(0)) await c.close();
    await server.close();

    // A restart shows what the configurations alone cost when loaded at boot, without the history of creating them.
    server = await spawnServer(dataFile, env);
    await settle();
    const restarted = await heapFigures(server.url, secrets[0]!);
    rows.push([mode, `restarted on the same file (${total.toLocaleString('en-US')} configurations loaded at boot), no sessions`, mb(rssMb(server.pid)), mb(restarted.heapUsedMb), mb(restarted.externalMb), '']);
    return { rows, withSessions };
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function memoryBench(): Promise<BenchSection> {
  const up = await startUpstreams(UPSTREAMS);
  try {
    const rows: string[][] = [['', 'for scale: a bare `node -e setInterval(…)`', mb(await bareNodeRss()), '', '', '']];
    const withSessions = new Map<Mode, number>();
    for (const mode of MODES) {
      const r = await scenario(mode, up.urls);
      rows.push(...r.rows);
      withSessions.set(mode, r.withSessions);
    }
    const total = PRINCIPALS * PER_PRINCIPAL;
    const verdict = (mode: Mode) => {
      const v = withSessions.get(mode)!;
      return `${mode}: **${v < BUDGET_MB ? 'met' : 'NOT met'}** (${mb(v)} MB)`;
    };
    return {
      title: `Memory: HTTP server with ${total.toLocaleString('en-US')} configurations and ${PRINCIPALS} open sessions`,
      markdown: [
        `${PRINCIPALS} principals with an API key each, ${PER_PRINCIPAL} pc_custom_mcp configurations each, pointing at ${UPSTREAMS} shared SDK v2 upstreams (${TOOLS_PER_UPSTREAM} tools each, in their own process). ` +
          `VmRSS of the server process from /proc/<pid>/status after a ${SETTLE_MS} ms settle (no forced GC). ` +
          'The scenario runs twice: with the default `CONNECTOR_GATEWAY_OPTIMIZE_FOR=speed` and with `memory` (V8 `--optimize-for-size`).',
        '',
        table(['mode', 'state', 'RSS (MB)', 'JS heap used (MB)', 'external (MB)', 'note'], rows),
        '',
        'Heap figures come from the server\'s own /metrics (prom-client default metrics), read right after RSS; the /metrics request itself allocates a little.',
        '',
        QUICK
          ? `Quick run: smaller than the budgeted 1,000 configurations and 100 sessions, so the ${BUDGET_MB} MB budget is not judged.`
          : `Budget: under ${BUDGET_MB} MB with 1,000 configurations and 100 sessions open. ${MODES.map(verdict).join('; ')}.`,
      ].join('\n'),
    };
  } finally {
    await up.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await memoryBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
