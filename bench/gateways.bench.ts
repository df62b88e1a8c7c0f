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
import { benchFetch, mcpClient, spawnJsonLine, startGateway, stop, TSX } from './harness.js';
import { ms, stats, table, WARMUP_CALLS as WARMUP, type BenchSection } from './lib.js';
import { startMcpHub, startMcpProxy } from './fixtures/other-gateways.js';
import { cpuPerCall, echo, interleaved, throughput, type CallPath } from './fixtures/measure.js';
import { clockTickMs } from './fixtures/proc.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_CALLS ?? (QUICK ? 200 : 1500));
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? (QUICK ? 500 : 3000));
const CPU_CALLS = QUICK ? 300 : 2000;
const CONCURRENCY = 32;

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
    const r = await spawnJsonLine<{ port: number }>(process.execPath, ['--import', 'tsx', 'bench/fixtures/http-relay.ts', '--target', everything.url]);
    closers.push(() => stop(r.child));
    const client = await mcpClient(`http://127.0.0.1:${r.value.port}/mcp`, { era: 'legacy' });
    closers.push(() => client.close());
    return { name: 'minimal Node HTTP relay (floor)', client, tool: 'echo', front: 'Streamable HTTP', upstreamLink: 'Streamable HTTP', pid: r.child.pid!, upstreamPid: upPid };
  });
  if (relay) out.push(relay);

  const ours = await attempt('this gateway', failures, async () => {
    const gw = await startGateway([everything.url]);
    closers.push(() => gw.close());
    const client = await mcpClient(gw.mcpUrl, { bearer: gw.secret, era: 'legacy' });
    closers.push(() => client.close());
    return { name: 'this gateway', client, tool: 'upstream_0_echo', front: 'Streamable HTTP + API key', upstreamLink: 'Streamable HTTP', pid: gw.child.pid!, upstreamPid: upPid };
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

async function throughputRows(paths: Contender[]): Promise<string[][]> {
  const best = paths.map(() => [] as number[]);
  // Rounds outermost: each path's two windows are minutes apart, not back to back.
  for (let round = 0; round < 2; round++) {
    for (const [i, p] of paths.entries()) best[i]!.push(await throughput(p, CONCURRENCY, WINDOW_MS));
  }
  const top = best.map((b) => Math.max(...b));
  return paths.map((p, i) => [p.name, best[i]!.map((x) => x.toFixed(0)).join(' / '), top[i]!.toFixed(0), (top[i]! / top[0]!).toFixed(2)]);
}

async function cpuRows(paths: Contender[]): Promise<string[][]> {
  const rows: string[][] = [];
  for (const p of paths) {
    const pids = p.pid === undefined ? [p.upstreamPid] : [p.pid, p.upstreamPid];
    const c = await cpuPerCall(p, pids, CPU_CALLS);
    const gatewayCpu = p.pid === undefined ? undefined : c.pids[0]!;
    const upstreamCpu = c.pids[pids.length - 1]!;
    rows.push([
      p.name,
      gatewayCpu === undefined ? '–' : ms(gatewayCpu),
      ms(upstreamCpu),
      gatewayCpu === undefined ? '–' : (gatewayCpu / upstreamCpu).toFixed(2),
      ms(c.client),
    ]);
  }
  return rows;
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
    const cpu = await cpuRows(paths);
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
        table(['path', 'calls/s (round 1 / round 2)', 'best calls/s', 'ratio to direct'], tput),
        '',
        '### CPU time per call',
        '',
        `${CPU_CALLS} sequential calls per path, only that path active; user + system time from /proc/<pid>/stat before and after, divided by the count ` +
          `(clock tick ${clockTickMs} ms, so ±${ms(clockTickMs / CPU_CALLS)} ms per call). "Gateway" is the gateway's own CPU time per proxied call; ` +
          `"upstream" is the server-everything process it forwards to (mcp-proxy's is its own stdio child; the others share the Streamable HTTP one the direct path uses).`,
        '',
        table(['path', 'gateway ms/call', 'upstream ms/call', 'gateway ÷ upstream', 'client (bench process) ms/call'], cpu),
        '',
        'Reading the client column: what the client spends per call depends on the front it talks to (server-everything answers every POST with an SSE stream, `text/event-stream`, ' +
          'which the SDK client reads at more cost than a plain JSON answer). On 2 shared cores a front that is cheaper for the client can let a path through a gateway beat the direct one at concurrency 32.',
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
