/**
 * Proxy cost: the same upstream `echo` called directly and through the gateway (its own process,
 * over HTTP), warm, in the same run; concurrency 1 (interleaved calls) and 32 (throughput).
 * Also tools/list for one principal with 20 configurations of 50 tools: cold and warm.
 */
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { ms, stats, table, type BenchSection } from './lib.js';
import { mcpClient, startGateway, startUpstreams } from './harness.js';

const SEQUENTIAL = Number(process.env.BENCH_CALLS ?? 2000);
const CONCURRENT_MS = Number(process.env.BENCH_WINDOW_MS ?? 3000);

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
  try {
    const direct = await mcpClient(up.urls[0]!, { era });
    const viaGateway = await mcpClient(gw.mcpUrl, { bearer: gw.secret, era });
    const gwTool = 'upstream_0_echo';
    for (let i = 0; i < 300; i++) {
      await echo(direct, 'echo');
      await echo(viaGateway, gwTool);
    }
    const d: number[] = [];
    const g: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      // Interleaved, alternating order: both see the same machine noise.
      const pair: [Client, string, number[]][] = i % 2 ? [[direct, 'echo', d], [viaGateway, gwTool, g]] : [[viaGateway, gwTool, g], [direct, 'echo', d]];
      for (const [c, t, out] of pair) {
        const t0 = performance.now();
        await echo(c, t);
        out.push(performance.now() - t0);
      }
    }
    const sd = stats(d);
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
    await viaGateway.close();
    return [
      [`${era}, c=1`, 'direct', ms(sd.median), ms(sd.p99), (1000 / sd.mean).toFixed(0), '1.00'],
      [`${era}, c=1`, 'gateway', ms(sg.median), ms(sg.p99), (1000 / sg.mean).toFixed(0), `${(sg.median / sd.median).toFixed(2)} (+${ms(sg.median - sd.median)} ms median)`],
      [`${era}, c=32`, 'direct', '', '', bestD.toFixed(0), '1.00'],
      [`${era}, c=32`, 'gateway', '', '', bestG.toFixed(0), `${(bestG / bestD).toFixed(2)} of direct throughput`],
    ];
  } finally {
    await gw.close();
    await up.close();
  }
}

export async function toolsListTiming(): Promise<string[][]> {
  const up = await startUpstreams(20, { tools: 49, listDelay: 'spread' });
  const gw = await startGateway(up.urls);
  try {
    const c = await mcpClient(gw.mcpUrl, { bearer: gw.secret });
    const t0 = performance.now();
    const cold = await c.listTools();
    const coldMs = performance.now() - t0;
    const warm: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await c.listTools();
      warm.push(performance.now() - t);
    }
    await c.close();
    const w = stats(warm);
    return [
      ['cold (20 upstreams, tools/list delays 50–250 ms)', `${cold.tools.length} tools`, ms(coldMs), 'slowest upstream: 250 ms; sum of delays: 3000 ms'],
      ['warm', `${cold.tools.length} tools`, `median ${ms(w.median)}, p99 ${ms(w.p99)}`, ''],
    ];
  } finally {
    await gw.close();
    await up.close();
  }
}

export default async function proxyBench(): Promise<BenchSection> {
  const rows = [...(await proxyComparison('modern')), ...(await proxyComparison('legacy'))];
  const list = await toolsListTiming();
  return {
    title: 'Proxy: direct vs. through the gateway (HTTP, SDK v2 client, SDK v2 upstream `echo`)',
    markdown: [
      `${SEQUENTIAL} interleaved calls per side at concurrency 1; best of two ${CONCURRENT_MS} ms windows at concurrency 32. Latencies in ms.`,
      '',
      table(['case', 'path', 'median', 'p99', 'calls/s', 'ratio to direct'], rows),
      '',
      'tools/list for one principal with 20 configurations of 50 tools:',
      '',
      table(['case', 'size', 'time (ms)', 'note'], list),
    ].join('\n'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await proxyBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
