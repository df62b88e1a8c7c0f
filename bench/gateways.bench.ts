/**
 * Gateways side by side: server-everything's `echo` called (a) directly, (b) through this gateway
 * (a pc_custom_mcp configuration on server-everything's Streamable HTTP URL), (c) through mcp-proxy
 * (wrapping server-everything over stdio) and (d) through mcp-hub (HTTP upstream, SSE front).
 * A minimal Node HTTP relay (bench/fixtures/http-relay.ts) runs beside them as the floor of an
 * HTTP-to-HTTP hop. One SDK v2 client per path, 2025 protocol era everywhere (mcp-hub's SSE front knows no other),
 * warm, same run. Also CPU time per call charged to each gateway process and to its upstream.
 * Run alone: npx tsx bench/gateways.bench.ts (after npm run build).
 */
import { pathToFileURL } from 'node:url';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { startEverything } from '../test/helpers/everything.js';
import { benchFetch, mcpClient, startGateway, startHttpRelay } from './harness.js';
import { ms, stats, table, WARMUP_CALLS as WARMUP, type BenchSection } from './lib.js';
import { startMcpHub, startMcpProxy } from './fixtures/other-gateways.js';
import { cpuPerCall, echo, interleaved, throughput, type CallPath } from './fixtures/measure.js';
import { clockTickMs } from './fixtures/proc.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_CALLS ?? (QUICK ? 200 : 1500));
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? (QUICK ? 500 : 3000));
const CPU_CALLS = QUICK ? 300 : 2000;
const CONCURRENCY = 32;
const OTHER_GATEWAYS = ['mcp-proxy', 'mcp-hub'];
const RELAY = 'minimal Node HTTP relay (floor)';
const OURS = 'this gateway';

interface Contender extends CallPath {
  front: string;
  upstreamLink: string;
  /** The gateway process; undefined for the direct path. */
  pid: number | undefined;
  upstreamPid: number;
}

type Closer = () => Promise<void>;

/** Starts one contender; a failure becomes a line of the report instead of ending the bench. */
async function attempt<T>(name: string, failures: string[], start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (e) {
    failures.push(`- **${name}** could not be measured: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

async function legacySseClient(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(new SSEClientTransport(new URL(url), { fetch: benchFetch }));
  return client;
}

async function startContenders(closers: Closer[], failures: string[]): Promise<Contender[]> {
  const everything = await startEverything();
  closers.push(() => everything.close());
  const upPid = everything.child.pid!;
  const out: Contender[] = [];
  const direct = await mcpClient(everything.url, { era: 'legacy' });
  closers.push(() => direct.close());
  out.push({ name: 'direct', client: direct, tool: 'echo', front: 'Streamable HTTP', upstreamLink: '–', pid: undefined, upstreamPid: upPid });

  const relay = await attempt('minimal Node HTTP relay', failures, async () => {
    const r = await startHttpRelay(everything.url);
    closers.push(() => r.close());
    const client = await mcpClient(r.url, { era: 'legacy' });
    closers.push(() => client.close());
    return { name: RELAY, client, tool: 'echo', front: 'Streamable HTTP', upstreamLink: 'Streamable HTTP', pid: r.pid, upstreamPid: upPid };
  });
  if (relay) out.push(relay);

  const ours = await attempt(OURS, failures, async () => {
    const gw = await startGateway([everything.url]);
    closers.push(() => gw.close());
    const client = await mcpClient(gw.mcpUrl, { bearer: gw.secret, era: 'legacy' });
    closers.push(() => client.close());
    return { name: OURS, client, tool: 'upstream_0_echo', front: 'Streamable HTTP + API key', upstreamLink: 'Streamable HTTP', pid: gw.child.pid!, upstreamPid: upPid };
  });
  if (ours) out.push(ours);

  const proxy = await attempt('mcp-proxy', failures, async () => {
    const px = await startMcpProxy();
    closers.push(() => px.close());
    const client = await mcpClient(px.url, { era: 'legacy' });
    closers.push(() => client.close());
    return { name: 'mcp-proxy', client, tool: 'echo', front: 'Streamable HTTP', upstreamLink: 'stdio (own server-everything)', pid: px.pid, upstreamPid: px.upstreamPid };
  });
  if (proxy) out.push(proxy);

  const hub = await attempt('mcp-hub', failures, async () => {
    const h = await startMcpHub(everything.url, upPid);
    closers.push(() => h.close());
    const client = await legacySseClient(h.url);
    closers.push(() => client.close());
    return { name: 'mcp-hub', client, tool: `${h.toolPrefix}echo`, front: 'HTTP+SSE (GET /mcp, POST /messages)', upstreamLink: 'Streamable HTTP', pid: h.pid, upstreamPid: upPid };
  });
  if (hub) out.push(hub);
  return out;
}

function latencyRows(paths: Contender[], samples: number[][]): string[][] {
  const direct = stats(samples[0]!);
  return paths.map((p, i) => {
    const s = stats(samples[i]!);
    const vs = i === 0 ? '1.00' : `${(s.median / direct.median).toFixed(2)} (+${ms(s.median - direct.median)} ms)`;
    return [p.name, p.front, p.upstreamLink, ms(s.median), ms(s.p99), (1000 / s.mean).toFixed(0), vs];
  });
}

async function throughputRows(paths: Contender[]): Promise<{ rows: string[][]; best: number[] }> {
  const windows = paths.map(() => [] as number[]);
  // Rounds outermost: each path's two windows are minutes apart, not back to back.
  for (let round = 0; round < 2; round++) {
    for (const [i, p] of paths.entries()) windows[i]!.push(await throughput(p, CONCURRENCY, WINDOW_MS));
  }
  const best = windows.map((b) => Math.max(...b));
  return { rows: paths.map((p, i) => [p.name, windows[i]!.map((x) => x.toFixed(0)).join(' / '), best[i]!.toFixed(0), (best[i]! / best[0]!).toFixed(2)]), best };
}

interface CpuFigures {
  /** The gateway's own CPU per call; undefined on the direct path. */
  gateway: number | undefined;
  upstream: number;
  client: number;
}

async function cpuFigures(paths: Contender[]): Promise<CpuFigures[]> {
  const out: CpuFigures[] = [];
  for (const p of paths) {
    const pids = p.pid === undefined ? [p.upstreamPid] : [p.pid, p.upstreamPid];
    const c = await cpuPerCall(p, pids, CPU_CALLS);
    out.push({ gateway: p.pid === undefined ? undefined : c.pids[0]!, upstream: c.pids[pids.length - 1]!, client: c.client });
  }
  return out;
}

function cpuRows(paths: Contender[], cpu: CpuFigures[]): string[][] {
  return paths.map((p, i) => {
    const { gateway, upstream, client } = cpu[i]!;
    return [p.name, gateway === undefined ? '–' : ms(gateway), ms(upstream), gateway === undefined ? '–' : (gateway / upstream).toFixed(2), ms(client)];
  });
}

/**
 * Issue 14's budgets, read off this run (2025 era, the only one mcp-hub speaks): at c=1 the gateway's
 * added median within 0.1 ms of the minimal relay's and below mcp-hub's; at c=32 at least 0.95 of
 * direct throughput; CPU per call below the upstream's.
 */
function budgetLines(paths: Contender[], medians: number[], best: number[], cpu: CpuFigures[]): string[] {
  const ours = paths.findIndex((p) => p.name === OURS);
  const relay = paths.findIndex((p) => p.name === RELAY);
  const hub = paths.findIndex((p) => p.name === 'mcp-hub');
  if (ours < 0) return [];
  const added = (i: number) => medians[i]! - medians[0]!;
  const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const { gateway, upstream } = cpu[ours]!;
  const lines = ['Budgets (issue 14), at default settings (log level info, the log to a file):'];
  if (relay >= 0) {
    const over = added(ours) - added(relay);
    lines.push(`- concurrency 1, within 0.1 ms of the minimal relay: ${verdict(over <= 0.1)} (+${ms(added(ours))} ms vs. the relay's +${ms(added(relay))} ms: ${over >= 0 ? '+' : ''}${ms(over)} ms).`);
  }
  if (hub >= 0) lines.push(`- concurrency 1, below mcp-hub's added median: ${verdict(added(ours) < added(hub))} (+${ms(added(ours))} vs. +${ms(added(hub))} ms).`);
  lines.push(`- concurrency ${CONCURRENCY}, at least 0.95 of direct throughput: ${verdict(best[ours]! / best[0]! >= 0.95)} (${(best[ours]! / best[0]!).toFixed(2)}; the relay ${relay >= 0 ? (best[relay]! / best[0]!).toFixed(2) : 'n/a'}).`);
  lines.push(`- CPU per proxied call below the upstream's own: ${verdict(gateway !== undefined && gateway < upstream)} (${ms(gateway ?? 0)} vs. ${ms(upstream)} ms${relay >= 0 && cpu[relay]!.gateway !== undefined ? `; the relay ${ms(cpu[relay]!.gateway!)} ms` : ''}).`);
  const others = paths.map((_, i) => i).filter((i) => OTHER_GATEWAYS.includes(paths[i]!.name));
  if (others.length > 0) {
    lines.push(
      `- for comparison with the other gateways: at c=${CONCURRENCY} ${best[ours]!.toFixed(0)}/s; ${others.map((i) => `${paths[i]!.name} ${best[i]!.toFixed(0)}/s`).join(', ')}.`,
    );
  }
  return lines;
}

export default async function gatewaysBench(): Promise<BenchSection> {
  const closers: Closer[] = [];
  const failures: string[] = [];
  try {
    const paths = await startContenders(closers, failures);
    for (let i = 0; i < WARMUP; i++) for (const p of paths) await echo(p);
    const samples = await interleaved(paths, ROUNDS);
    const latency = latencyRows(paths, samples);
    const tput = await throughputRows(paths);
    const cpu = await cpuFigures(paths);
    const medians = samples.map((s) => stats(s).median);
    return {
      title: 'Gateways compared: server-everything `echo` direct, through this gateway, mcp-proxy and mcp-hub',
      markdown: [
        `One SDK v2 client per path, 2025 protocol era (\`versionNegotiation: legacy\`) on every path, since mcp-hub's SSE front speaks no other. ` +
          `All processes on loopback, sharing the same cores with the client. ${WARMUP} warm-up rounds, then ${ROUNDS} rounds of one call per path, the order rotating each round. Latencies in ms.`,
        '',
        '### Concurrency 1',
        '',
        table(['path', 'front', 'gateway → upstream', 'median', 'p99', 'calls/s', 'median vs. direct'], latency),
        '',
        `### Concurrency ${CONCURRENCY}`,
        '',
        `${CONCURRENCY} calls in flight on one client for ${WINDOW_MS} ms, two rounds (all paths, then all paths again); best of the two.`,
        '',
        table(['path', 'calls/s (round 1 / round 2)', 'best calls/s', 'ratio to direct'], tput.rows),
        '',
        '### CPU time per call',
        '',
        `${CPU_CALLS} sequential calls per path, only that path active; user + system time from /proc/<pid>/stat before and after, divided by the count ` +
          `(clock tick ${clockTickMs} ms, so ±${ms(clockTickMs / CPU_CALLS)} ms per call). "Gateway" is the gateway's own CPU time per proxied call; ` +
          `"upstream" is the server-everything process it forwards to (mcp-proxy's is its own stdio child; the others share the Streamable HTTP one the direct path uses).`,
        '',
        table(['path', 'gateway ms/call', 'upstream ms/call', 'gateway ÷ upstream', 'client (bench process) ms/call'], cpuRows(paths, cpu)),
        '',
        'The client column is what the bench process spends per call: it should be about the same on every path. (Before the children\'s output went to files, server-everything\'s ' +
          'line per request, read through a pipe by this process, was billed to every path through it, and only mcp-proxy\'s path, whose upstream is its own child, was spared.)',
        '',
        ...budgetLines(paths, medians, tput.best, cpu),
        '',
        'Reading the budget: mcp-proxy\'s upstream is a second server-everything that it spawns over stdio, whose CPU per call is the "upstream" figure of its row; every other path ' +
          'goes to the Streamable HTTP server-everything of the direct path. A path through mcp-proxy therefore trades the upstream\'s HTTP front for a pipe, which an HTTP-to-HTTP ' +
          'gateway cannot do; the minimal relay row shows what the hop alone costs.',
        '',
        '### How each path was set up',
        '',
        '- **direct**: `mcp-server-everything streamableHttp` (PORT=free port), SDK v2 client on its /mcp.',
        '- **minimal Node HTTP relay (floor)**: bench/fixtures/http-relay.ts, node:http in front of an undici pool to the direct URL, MCP headers copied, bodies streamed, nothing else: ' +
          'what any gateway made of Node\'s own HTTP parts pays for answering over HTTP and calling an HTTP upstream. Not a product; it authenticates nobody.',
        '- **this gateway**: `connector-gateway serve --transport http` (built, `node dist/src/cli/main.js`) on a fresh data file with one API key and one pc_custom_mcp configuration whose endpoint is the direct URL; tool `upstream_0_echo`.',
        '- **mcp-proxy**: `mcp-proxy --host 127.0.0.1 --port N --server stream -- mcp-server-everything stdio`: it spawns its own server-everything over stdio and multiplexes every client onto that one connection; tool `echo` at /mcp.',
        '- **mcp-hub**: `mcp-hub --port N --config FILE` with `{"mcpServers": {"everything": {"url": <direct URL>}}}`; its MCP front is HTTP+SSE only (GET /mcp, POST /messages), so the client uses the SDK\'s SSEClientTransport; tool `everything__echo`. ' +
          'mcp-hub has no host option (it listens on every interface; only 127.0.0.1 was used) and fetches a marketplace catalog from the internet at start unless its cache is fresh, so it ran with a private HOME/XDG folder holding a pre-seeded catalog cache.',
        ...(failures.length > 0 ? ['', '### Not measured', '', ...failures] : []),
      ].join('\n'),
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await gatewaysBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
