/**
 * Proxy cost: the same upstream `echo` called directly and through the gateway (its own process,
 * over HTTP), warm, in the same run; concurrency 1 (interleaved calls) and 32 (throughput).
 * Also tools/list for one principal with 20 configurations of 50 tools: cold and warm.
 */
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { ms, stats, table, WARMUP_CALLS, type BenchSection } from './lib.js';
import { mcpClient, spawnJsonLine, startGateway, startUpstreams, stop, TSX } from './harness.js';

const SEQUENTIAL = Number(process.env.BENCH_CALLS ?? 2000);
const CONCURRENT_MS = Number(process.env.BENCH_WINDOW_MS ?? 3000);
const LIST_WARMUP = process.env.BENCH_QUICK === '1' ? 10 : 300;

async function echo(c: Client, tool: string): Promise<void> {
  const r = await c.callTool({ name: tool, arguments: { message: 'ping' } });
  if (r.isError) throw new Error(`echo failed: ${JSON.stringify(r.content)}`);
}

async function throughput(c: Client, tool: string, concurrency: number, windowMs: number): Promise<number> {
  let done = 0;
  const end = performance.now() + windowMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await echo(c, tool);
        done++;
      }
    }),
  );
  return done / (windowMs / 1000);
}

export async function proxyComparison(era: 'modern' | 'legacy'): Promise<string[][]> {
  const up = await startUpstreams(1);
  const gw = await startGateway(up.urls);
  const upstreamUrl = new URL(up.urls[0]!);
  const pipe = await spawnJsonLine<{ port: number }>(TSX, ['bench/fixtures/byte-pipe.ts', '--target-port', upstreamUrl.port]);
  try {
    const direct = await mcpClient(up.urls[0]!, { era });
    const viaPipe = await mcpClient(`http://127.0.0.1:${pipe.value.port}${upstreamUrl.pathname}`, { era });
    const viaGateway = await mcpClient(gw.mcpUrl, { bearer: gw.secret, era });
    const gwTool = 'upstream_0_echo';
    for (let i = 0; i < WARMUP_CALLS; i++) {
      await echo(direct, 'echo');
      await echo(viaPipe, 'echo');
      await echo(viaGateway, gwTool);
    }
    const d: number[] = [];
    const p: number[] = [];
    const g: number[] = [];
    const paths: [Client, string, number[]][] = [
      [direct, 'echo', d],
      [viaPipe, 'echo', p],
      [viaGateway, gwTool, g],
    ];
    for (let i = 0; i < SEQUENTIAL; i++) {
      // Interleaved, rotating order: every path sees the same machine noise.
      for (let k = 0; k < paths.length; k++) {
        const [c, t, out] = paths[(i + k) % paths.length]!;
        const t0 = performance.now();
        await echo(c, t);
        out.push(performance.now() - t0);
      }
    }
    const sd = stats(d);
    const sp = stats(p);
    const sg = stats(g);
    const tputD: number[] = [];
    const tputG: number[] = [];
    for (let round = 0; round < 2; round++) {
      tputD.push(await throughput(direct, 'echo', 32, CONCURRENT_MS));
      tputG.push(await throughput(viaGateway, gwTool, 32, CONCURRENT_MS));
    }
    const bestD = Math.max(...tputD);
    const bestG = Math.max(...tputG);
    await direct.close();
    await viaPipe.close();
    await viaGateway.close();
    return [
      [`${era}, c=1`, 'direct', ms(sd.median), ms(sd.p99), (1000 / sd.mean).toFixed(0), '1.00'],
      [`${era}, c=1`, 'bare TCP byte pipe (floor)', ms(sp.median), ms(sp.p99), (1000 / sp.mean).toFixed(0), `${(sp.median / sd.median).toFixed(2)} (+${ms(sp.median - sd.median)} ms median)`],
      [`${era}, c=1`, 'gateway', ms(sg.median), ms(sg.p99), (1000 / sg.mean).toFixed(0), `${(sg.median / sd.median).toFixed(2)} (+${ms(sg.median - sd.median)} ms median)`],
      [`${era}, c=32`, 'direct', '', '', bestD.toFixed(0), '1.00'],
      [`${era}, c=32`, 'gateway', '', '', bestG.toFixed(0), `${(bestG / bestD).toFixed(2)} of direct throughput`],
    ];
  } finally {
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

export async function toolsListTiming(): Promise<string[][]> {
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
    return [
      ['cold, first principal after start (20 upstreams, tools/list delays 50–250 ms)', `${cold.tools.length} tools`, ms(coldMs), 'includes the process warming up (code loading, JIT); slowest upstream 250 ms; sum 3,000 ms'],
      ['cold, second principal (same 20 upstreams, process warm)', `${cold.tools.length} tools`, ms(coldSecondMs), 'slowest upstream 250 ms; sum 3,000 ms'],
      ['warm, SDK client, through the gateway', `${cold.tools.length} tools`, show(warm), 'includes the client SDK decoding 1,000 tools'],
      ['warm, SDK client, one SDK server with the same 1,000 tools (baseline)', '1000 tools', show(warmDirect), 'the client-side floor for this size'],
      ['warm, raw HTTP, through the gateway', `${cold.tools.length} tools`, show(rawGw), 'the server side: no client SDK decoding'],
      ['warm, raw HTTP, one SDK server (baseline)', '1000 tools', show(rawDirect), ''],
    ];
  } finally {
    await gw.close();
    await up.close();
    await single.close();
  }
}

export default async function proxyBench(): Promise<BenchSection> {
  const rows = [...(await proxyComparison('modern')), ...(await proxyComparison('legacy'))];
  const list = await toolsListTiming();
  return {
    title: 'Proxy: direct vs. through the gateway (HTTP, SDK v2 client, SDK v2 upstream `echo`)',
    markdown: [
      `${WARMUP_CALLS} warm-up calls per path, then ${SEQUENTIAL} interleaved calls per path at concurrency 1; best of two ${CONCURRENT_MS} ms windows at concurrency 32. Latencies in ms.`,
      '',
      table(['case', 'path', 'median', 'p99', 'calls/s', 'ratio to direct'], rows),
      '',
      `tools/list for one principal with 20 configurations of 50 tools; warm figures after ${LIST_WARMUP} warm-up rounds, then 200 rounds:`,
      '',
      table(['case', 'size', 'time (ms)', 'note'], list),
    ].join('\n'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await proxyBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
