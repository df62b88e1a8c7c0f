/**
 * Large results: an upstream tool answering 1, 2, 4 and 8 MiB of text, called directly, through the
 * bare TCP byte pipe and the minimal Node HTTP relay (the floors) and through the gateway, in both
 * protocol eras. What counts is CPU time, not wall time (2 shared cores): per call, the gateway's
 * own (and each floor's) beside what the direct client spends receiving the same result, so growth
 * that is worse than linear shows as a rising ratio. Issue 14's budget: at 8 MiB the gateway spends
 * at most 1.5× the direct client's CPU. Run alone: npx tsx bench/large.bench.ts (after npm run build).
 */
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { mcpClient, spawnJsonLine, startGateway, startHttpRelay, startUpstreams, stop, TSX } from './harness.js';
import { table, type BenchSection } from './lib.js';
import { childPids, cpuMs } from './fixtures/proc.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES_MIB = (process.env.BENCH_LARGE_MIB ?? (QUICK ? '1,4' : '1,2,4,8')).split(',').map(Number);
/** Calls per path and size: about 32 MiB of results each, at least 6 calls (a CPU clock tick is 10 ms). */
const callsFor = (mib: number) => Math.max(QUICK ? 3 : 6, Math.round((QUICK ? 8 : 32) / mib));
const ROUNDS = QUICK ? 1 : 2;
const BUDGET = 1.5;

interface Path {
  name: string;
  client: Client;
  tool: string;
  /** The process in the middle; undefined for direct. */
  pid: number | undefined;
}

async function bigCall(p: Path, bytes: number): Promise<void> {
  const r = await p.client.callTool({ name: p.tool, arguments: { bytes } });
  const first = r.content?.[0];
  if (r.isError || first?.type !== 'text' || first.text.length !== bytes) throw new Error(`${p.name}: big answered ${JSON.stringify(r).slice(0, 200)}`);
}

interface Cpu {
  middle: number | undefined;
  client: number;
  upstream: number;
}

/** `calls` sequential calls on one path; CPU ms per call of the middle process, this client and the upstream. */
async function cpuPerCall(p: Path, bytes: number, calls: number, upstreamPid: number): Promise<Cpu> {
  const mid0 = p.pid === undefined ? 0 : cpuMs(p.pid);
  const up0 = cpuMs(upstreamPid);
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) await bigCall(p, bytes);
  const c = process.cpuUsage(c0);
  return {
    middle: p.pid === undefined ? undefined : (cpuMs(p.pid) - mid0) / calls,
    client: (c.user + c.system) / 1000 / calls,
    upstream: (cpuMs(upstreamPid) - up0) / calls,
  };
}

async function eraRows(era: 'modern' | 'legacy'): Promise<{ rows: string[][]; verdict: string }> {
  const up = await startUpstreams(1, { big: true });
  // bench/fixtures/upstreams.ts runs under the tsx launcher: the server is its child.
  const upstreamPid = childPids(up.pid)[0] ?? up.pid;
  const upstreamUrl = new URL(up.urls[0]!);
  const gw = await startGateway(up.urls);
  const pipe = await spawnJsonLine<{ port: number }>(TSX, ['bench/fixtures/byte-pipe.ts', '--target-port', upstreamUrl.port]);
  const pipePid = childPids(pipe.child.pid!)[0] ?? pipe.child.pid!;
  const relay = await startHttpRelay(upstreamUrl.href);
  const paths: Path[] = [];
  try {
    paths.push({ name: 'direct', client: await mcpClient(up.urls[0]!, { era }), tool: 'big', pid: undefined });
    paths.push({ name: 'bare TCP byte pipe (floor)', client: await mcpClient(`http://127.0.0.1:${pipe.value.port}${upstreamUrl.pathname}`, { era }), tool: 'big', pid: pipePid });
    paths.push({ name: 'minimal Node HTTP relay (floor)', client: await mcpClient(relay.url, { era }), tool: 'big', pid: relay.pid });
    paths.push({ name: 'gateway', client: await mcpClient(gw.mcpUrl, { bearer: gw.secret, era }), tool: 'upstream_0_big', pid: gw.pid });
    // Warm every path on every size (JIT, buffers grown once).
    for (const mib of SIZES_MIB) for (const p of paths) for (let i = 0; i < 3; i++) await bigCall(p, mib * 1024 * 1024);
    const rows: string[][] = [];
    let atLargest: { gateway: number; client: number } | undefined;
    for (const mib of SIZES_MIB) {
      const bytes = mib * 1024 * 1024;
      const calls = callsFor(mib);
      const best = paths.map(() => undefined as Cpu | undefined);
      // Rounds outermost, so a path's rounds are apart in time; the lower figure of each is kept.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, p] of paths.entries()) {
          const c = await cpuPerCall(p, bytes, calls, upstreamPid);
          const prev = best[i];
          best[i] = prev === undefined ? c : { middle: Math.min(prev.middle ?? Infinity, c.middle ?? Infinity), client: Math.min(prev.client, c.client), upstream: Math.min(prev.upstream, c.upstream) };
        }
      }
      const directClient = best[0]!.client;
      for (const [i, p] of paths.entries()) {
        const c = best[i]!;
        const middle = c.middle === undefined || !Number.isFinite(c.middle) ? undefined : c.middle;
        rows.push([era, `${mib} MiB`, p.name, String(calls), middle === undefined ? '–' : middle.toFixed(1), middle === undefined ? '–' : (middle / directClient).toFixed(2), c.client.toFixed(1), c.upstream.toFixed(1)]);
        if (p.name === 'gateway' && mib === Math.max(...SIZES_MIB) && middle !== undefined) atLargest = { gateway: middle, client: directClient };
      }
    }
    const largest = Math.max(...SIZES_MIB);
    const verdict = atLargest
      ? `${era}: ${atLargest.gateway <= BUDGET * atLargest.client ? '**met**' : '**not met**'} (${largest} MiB: gateway ${atLargest.gateway.toFixed(1)} ms, direct client ${atLargest.client.toFixed(1)} ms, ${(atLargest.gateway / atLargest.client).toFixed(2)}×)`
      : `${era}: not measured`;
    return { rows, verdict };
  } finally {
    for (const p of paths) await p.client.close().catch(() => undefined);
    await relay.close();
    await stop(pipe.child);
    await gw.close();
    await up.close();
  }
}

export default async function largeBench(): Promise<BenchSection> {
  const modern = await eraRows('modern');
  const legacy = await eraRows('legacy');
  return {
    title: 'Large results: CPU per call relaying 1–8 MiB',
    markdown: [
      `An SDK v2 upstream's \`big\` tool answers N MiB of text (quotes and line breaks in it, so JSON escaping is exercised). Per era, size and path: ${ROUNDS === 1 ? 'one round' : `best of ${ROUNDS} rounds`} of sequential calls (count in the table) after 3 warm-up calls per size; ` +
        'CPU time (user + system) per call from /proc for the process in the middle and the upstream, from `process.cpuUsage()` for the client (the bench process). ' +
        '"÷ direct client" is the middle process\'s CPU over what the direct path\'s client spends receiving the same result: flat across sizes means linear growth.',
      '',
      table(['era', 'result', 'path', 'calls', 'middle process ms/call', '÷ direct client', 'client ms/call', 'upstream ms/call'], [...modern.rows, ...legacy.rows]),
      '',
      `Budget (issue 14): at ${Math.max(...SIZES_MIB)} MiB the gateway spends at most ${BUDGET}× the CPU the direct client spends on the same result. ${modern.verdict}; ${legacy.verdict}.`,
    ].join('\n'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await largeBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
  process.exit(0);
}
