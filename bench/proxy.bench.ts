/**
 * Proxy cost: the same upstream `echo` called directly and through the gateway (its own process,
 * over HTTP), warm, in the same run; concurrency 1 (interleaved calls) and 32 (throughput).
 * Also tools/list for one principal with 20 configurations of 50 tools: cold and warm.
 */
import { pathToFileURL } from 'node:url';
import { ms, stats, table, WARMUP_CALLS, type BenchSection } from './lib.js';
import { mcpClient, spawnJsonLine, startGateway, startHttpRelay, startUpstreams, stop, TSX } from './harness.js';
import { echo, interleaved, throughput, type CallPath } from './fixtures/measure.js';

const SEQUENTIAL = Number(process.env.BENCH_CALLS ?? 2000);
const CONCURRENT_MS = Number(process.env.BENCH_WINDOW_MS ?? 3000);
const LIST_WARMUP = process.env.BENCH_QUICK === '1' ? 10 : 300;
const RELAY = 'minimal Node HTTP relay (floor)';
/** Issue 14: c=1 within this of the relay's added median; c=32 at least this share of direct; warm tools/list within this of one SDK server. */
const OVER_RELAY_MS = 0.1;
const THROUGHPUT_SHARE = 0.95;
const LIST_RATIO = 1.2;

/** The paths of the proxy comparison, direct first: the floors, then the gateway. */
interface ProxyPath extends CallPath {
  /** Measured at concurrency 32 too. */
  concurrent: boolean;
}

function addedRow(era: string, p: ProxyPath, s: ReturnType<typeof stats>, direct: ReturnType<typeof stats>): string[] {
  const ratio = p.name === 'direct' ? '1.00' : `${(s.median / direct.median).toFixed(2)} (+${ms(s.median - direct.median)} ms median)`;
  return [`${era}, c=1`, p.name, ms(s.median), ms(s.p99), (1000 / s.mean).toFixed(0), ratio];
}

/** Issue 14's budgets for one era, read off the run. */
interface EraVerdict {
  era: string;
  /** Gateway's median minus the relay's, ms (both measured in the same interleaved rounds). */
  overRelay: number;
  /** Gateway's best calls/s at c=32 over direct's. */
  throughputRatio: number;
}

export async function proxyComparison(era: 'modern' | 'legacy'): Promise<{ rows: string[][]; verdict: EraVerdict }> {
  const up = await startUpstreams(1);
  const gw = await startGateway(up.urls);
  const upstreamUrl = new URL(up.urls[0]!);
  const pipe = await spawnJsonLine<{ port: number }>(TSX, ['bench/fixtures/byte-pipe.ts', '--target-port', upstreamUrl.port]);
  const relay = await startHttpRelay(upstreamUrl.href);
  const paths: ProxyPath[] = [];
  try {
    paths.push({ name: 'direct', client: await mcpClient(up.urls[0]!, { era }), tool: 'echo', concurrent: true });
    paths.push({ name: 'bare TCP byte pipe (floor)', client: await mcpClient(`http://127.0.0.1:${pipe.value.port}${upstreamUrl.pathname}`, { era }), tool: 'echo', concurrent: false });
    paths.push({ name: RELAY, client: await mcpClient(relay.url, { era }), tool: 'echo', concurrent: true });
    paths.push({ name: 'gateway', client: await mcpClient(gw.mcpUrl, { bearer: gw.secret, era }), tool: 'upstream_0_echo', concurrent: true });
    for (let i = 0; i < WARMUP_CALLS; i++) for (const p of paths) await echo(p);
    const samples = (await interleaved(paths, SEQUENTIAL)).map(stats);
    const rows = paths.map((p, i) => addedRow(era, p, samples[i]!, samples[0]!));
    const concurrent = paths.filter((p) => p.concurrent);
    const best = concurrent.map(() => 0);
    for (let round = 0; round < 2; round++) {
      for (const [i, p] of concurrent.entries()) best[i] = Math.max(best[i]!, await throughput(p, 32, CONCURRENT_MS));
    }
    for (const [i, p] of concurrent.entries()) {
      rows.push([`${era}, c=32`, p.name, '', '', best[i]!.toFixed(0), i === 0 ? '1.00' : `${(best[i]! / best[0]!).toFixed(2)} of direct throughput`]);
    }
    const median = (name: string) => samples[paths.findIndex((p) => p.name === name)]!.median;
    const tput = (name: string) => best[concurrent.findIndex((p) => p.name === name)]!;
    return { rows, verdict: { era, overRelay: median('gateway') - median(RELAY), throughputRatio: tput('gateway') / best[0]! } };
  } finally {
    for (const p of paths) await p.client.close();
    await relay.close();
    await stop(pipe.child);
    await gw.close();
    await up.close();
  }
}

const LIST_ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** tools/list as raw HTTP: what the server costs, without the client SDK's parsing of 1,000 tools. */
async function rawList(url: string, bearer?: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: LIST_ENVELOPE } }),
  });
  const body = (await r.json()) as { result?: { tools?: unknown[] } };
  if (!body.result?.tools?.length) throw new Error('tools/list returned no tools');
  return performance.now() - t0;
}

export async function toolsListTiming(): Promise<{ rows: string[][]; sdkRatio: number; rawRatio: number }> {
  const up = await startUpstreams(20, { tools: 49, listDelay: 'spread' });
  // The same 1,000 tools from one SDK server, as the baseline for the client's own cost.
  const single = await startUpstreams(1, { tools: 999 });
  const gw = await startGateway(up.urls, { principals: 2 });
  try {
    const c = await mcpClient(gw.mcpUrl, { bearer: gw.secret });
    const t0 = performance.now();
    const cold = await c.listTools();
    const coldMs = performance.now() - t0;
    // A second principal on the now warm process: its own tool table is still cold.
    const second = await mcpClient(gw.mcpUrl, { bearer: gw.secrets[1]! });
    const t1 = performance.now();
    await second.listTools();
    const coldSecondMs = performance.now() - t1;
    await second.close();
    const direct = await mcpClient(single.urls[0]!);
    await direct.listTools();
    const warm: number[] = [];
    const warmDirect: number[] = [];
    const rawGw: number[] = [];
    const rawDirect: number[] = [];
    // Both servers keep getting faster for their first few hundred lists (JIT), as calls do.
    for (let i = 0; i < LIST_WARMUP; i++) {
      await c.listTools();
      await direct.listTools();
      await rawList(gw.mcpUrl, gw.secret);
      await rawList(single.urls[0]!);
    }
    for (let i = 0; i < 200; i++) {
      let t = performance.now();
      await c.listTools();
      warm.push(performance.now() - t);
      t = performance.now();
      await direct.listTools();
      warmDirect.push(performance.now() - t);
      rawGw.push(await rawList(gw.mcpUrl, gw.secret));
      rawDirect.push(await rawList(single.urls[0]!));
    }
    await c.close();
    await direct.close();
    const show = (x: number[]) => {
      const s = stats(x);
      return `median ${ms(s.median)}, p99 ${ms(s.p99)}`;
    };
    const rows = [
      ['cold, first principal after start (20 upstreams, tools/list delays 50–250 ms)', `${cold.tools.length} tools`, ms(coldMs), 'includes the process warming up (code loading, JIT); slowest upstream 250 ms; sum 3,000 ms'],
      ['cold, second principal (same 20 upstreams, process warm)', `${cold.tools.length} tools`, ms(coldSecondMs), 'slowest upstream 250 ms; sum 3,000 ms'],
      ['warm, SDK client, through the gateway', `${cold.tools.length} tools`, show(warm), 'includes the client SDK decoding 1,000 tools'],
      ['warm, SDK client, one SDK server with the same 1,000 tools (baseline)', '1000 tools', show(warmDirect), 'the client-side floor for this size'],
      ['warm, raw HTTP, through the gateway', `${cold.tools.length} tools`, show(rawGw), 'the server side: no client SDK decoding'],
      ['warm, raw HTTP, one SDK server (baseline)', '1000 tools', show(rawDirect), ''],
    ];
    return { rows, sdkRatio: stats(warm).median / stats(warmDirect).median, rawRatio: stats(rawGw).median / stats(rawDirect).median };
  } finally {
    await gw.close();
    await up.close();
    await single.close();
  }
}

export default async function proxyBench(): Promise<BenchSection> {
  const modern = await proxyComparison('modern');
  const legacy = await proxyComparison('legacy');
  const rows = [...modern.rows, ...legacy.rows];
  const list = await toolsListTiming();
  const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const eras = [modern.verdict, legacy.verdict];
  return {
    title: 'Proxy: direct vs. through the gateway (HTTP, SDK v2 client, SDK v2 upstream `echo`)',
    markdown: [
      `${WARMUP_CALLS} warm-up calls per path, then ${SEQUENTIAL} interleaved calls per path at concurrency 1; best of two ${CONCURRENT_MS} ms windows at concurrency 32. Latencies in ms.`,
      '',
      table(['case', 'path', 'median', 'p99', 'calls/s', 'ratio to direct'], rows),
      '',
      'The floors: the byte pipe (bench/fixtures/byte-pipe.ts) is one more TCP hop with no parsing; the minimal Node HTTP relay (bench/fixtures/http-relay.ts: node:http in front, an undici pool behind, ' +
        'MCP headers copied, bodies streamed, no authentication, routing or logs) is what any gateway made of Node\'s own HTTP parts pays for answering over HTTP and calling an HTTP upstream. ' +
        "The gateway's own work (API key, routing, credentials, audit, metrics) is its distance from the relay.",
      '',
      `tools/list for one principal with 20 configurations of 50 tools; warm figures after ${LIST_WARMUP} warm-up rounds, then 200 rounds:`,
      '',
      table(['case', 'size', 'time (ms)', 'note'], list.rows),
      '',
      'Budgets (issue 14), at default settings (log level info, the log to a file):',
      ...eras.map((v) => `- ${v.era}, concurrency 1: the gateway's median within ${OVER_RELAY_MS} ms of the minimal relay's: ${verdict(v.overRelay <= OVER_RELAY_MS)} (${v.overRelay >= 0 ? '+' : ''}${ms(v.overRelay)} ms).`),
      ...eras.map((v) => `- ${v.era}, concurrency 32: at least ${THROUGHPUT_SHARE} of direct throughput: ${verdict(v.throughputRatio >= THROUGHPUT_SHARE)} (${v.throughputRatio.toFixed(2)}).`),
      `- warm tools/list of 1,000 tools within ${LIST_RATIO}× of one SDK server with the same tools: SDK client ${verdict(list.sdkRatio <= LIST_RATIO)} (${list.sdkRatio.toFixed(2)}×); raw HTTP ${verdict(list.rawRatio <= LIST_RATIO)} (${list.rawRatio.toFixed(2)}×).`,
      'Below mcp-hub\'s added median and the CPU per call below the upstream\'s: see the gateways comparison (mcp-hub speaks the 2025 era only).',
    ].join('\n'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await proxyBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
