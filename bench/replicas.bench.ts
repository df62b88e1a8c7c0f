/**
 * Calls per second through 1, 2 and 3 gateway replicas (built dist) on one PostgreSQL database behind
 * nginx (the config of docs/deployment.md, started here on an ephemeral port), with the CPU each
 * replica spends per call. One upstream (bench/fixtures/upstreams.ts) in its own process; 2026-era
 * stateless clients, so nginx spreads every call. Needs nginx and the local PostgreSQL server.
 * Run alone: npx tsx bench/replicas.bench.ts (after npm run build).
 */
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { api, prepareData, spawnServer, type SpawnedServer } from '../test/helpers/server.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { startNginx } from '../test/replicas/nginx.js';
import { mcpClient, startUpstreams } from './harness.js';
import { WARMUP_CALLS, table, type BenchSection } from './lib.js';
import { cpuPerCall, echo, throughput, type CallPath } from './fixtures/measure.js';
import { cpuMs, rssMb } from './fixtures/proc.js';
import { heapFigures } from './fixtures/metrics.js';

const QUICK = process.env.BENCH_QUICK === '1';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? (QUICK ? 1000 : 5000));
const CONCURRENCY = 48;
const CLIENTS = 2;
const CPU_CALLS = QUICK ? 300 : 1500;
/** Memory per replica: principals, configurations each, one open 2025-era session each. */
const MEM_PRINCIPALS = Number(process.env.BENCH_REPLICA_PRINCIPALS ?? (QUICK ? 100 : 1000));
const MEM_CONFIGURATIONS = 3;
const MEM_UPSTREAMS = 4;
const SETTLE_MS = QUICK ? 500 : 3000;

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

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

/**
 * Memory per replica: MEM_PRINCIPALS principals with MEM_CONFIGURATIONS configurations each on three
 * replicas; every principal opens one 2025-era session (which holds state on its replica) and lists
 * its tools once, which opens its configurations' upstream sessions. Principal i talks to replica
 * i mod 3 directly, as a round-robin balancer would spread them (nginx's 1,024 worker connections
 * would cap the open SSE streams, so the clients skip it here). RSS per replica after a settle.
 */
async function memoryRows(replicas: SpawnedServer[], secrets: string[], upstreamUrls: string[]): Promise<{ rows: string[][]; note: string }> {
  const rows: string[][] = [];
  const measure = async (state: string) => {
    await settle();
    const figures = await Promise.all(replicas.map(async (r) => ({ rss: rssMb(r.child.pid!), heap: await heapFigures(r.url, secrets[0]!) })));
    const mb = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));
    rows.push([state, ...figures.map((f) => `${mb(f.rss)} (heap ${mb(f.heap.heapUsedMb)})`)]);
  };
  await measure('after the calls above (1 principal in use, 1 configuration)');
  const t0 = performance.now();
  const jobs = secrets.flatMap((secret, p) => Array.from({ length: MEM_CONFIGURATIONS }, (_, k) => ({ secret, p, k })));
  await pool(jobs, 8, async ({ secret, p, k }) => {
    const r = await api(replicas[(p + k) % replicas.length]!.url, secret, 'POST', '/v1/personal_connectors/configurations', {
      personal_connector_id: 'pc_custom_mcp',
      name: `Mem ${k}`,
      configuration: { endpoint: upstreamUrls[(p + k) % upstreamUrls.length] },
    });
    if (r.status !== 201) throw new Error(`creating a configuration: ${r.status} ${r.text}`);
  });
  const createS = (performance.now() - t0) / 1000;
  await measure(`${jobs.length.toLocaleString('en-US')} more configurations of ${secrets.length.toLocaleString('en-US')} principals in the database`);
  const clients: Client[] = [];
  try {
    const t1 = performance.now();
    let tools = 0;
    await pool(secrets, 10, async (secret, p) => {
      const c = await mcpClient(replicas[p % replicas.length]!.mcpUrl, { bearer: secret, era: 'legacy' });
      clients.push(c);
      const listed = (await c.listTools()).tools.length;
      tools += listed;
    });
    const sessionsS = (performance.now() - t1) / 1000;
    await measure(`${secrets.length.toLocaleString('en-US')} sessions open (about ${Math.round(secrets.length / replicas.length)} per replica), each listed its tools once`);
    return {
      rows,
      note: `${createS.toFixed(1)} s to create the configurations (8 in flight); ${sessionsS.toFixed(1)} s to open and list (10 at a time); ${tools.toLocaleString('en-US')} tools listed in all.`,
    };
  } finally {
    await pool(clients, 20, (c) => c.close().catch(() => undefined));
  }
}

export default async function replicasBench(): Promise<BenchSection> {
  const db = await createTestDatabase();
  const upstreams = await startUpstreams(1);
  const memUpstreams = await startUpstreams(MEM_UPSTREAMS);
  const data = await prepareData({
    principals: MEM_PRINCIPALS,
    env: { CONNECTOR_GATEWAY_DATABASE_URL: db.url },
    settings: { network: { allow_loopback: true }, limits: { rate_limit_per_minute: 0, mcp_rate_limit_per_minute: 0 } },
  });
  const replicas: SpawnedServer[] = [];
  try {
    replicas.push(...(await Promise.all([0, 1, 2].map(() => spawnServer(data)))));
    const secret = data.principals[0]!.secret;
    const created = await api(replicas[0]!.url, secret, 'POST', '/v1/personal_connectors/configurations', { personal_connector_id: 'pc_custom_mcp', name: 'Up', configuration: { endpoint: upstreams.urls[0] } });
    if (created.status !== 201) throw new Error(`creating the configuration: ${created.status} ${created.text}`);
    const rows: (string | number)[][] = [];
    let single = 0;
    for (const n of [1, 2, 3]) {
      const serving = replicas.slice(0, n);
      const nginx = await startNginx(serving.map((r) => new URL(r.url).host));
      const clients: Client[] = [];
      try {
        for (let i = 0; i < CLIENTS; i++) clients.push(await mcpClient(`${nginx.url}/mcp`, { bearer: secret, era: 'modern' }));
        const tool = (await clients[0]!.listTools()).tools.map((t) => t.name).find((t) => t.endsWith('echo'));
        if (!tool) throw new Error('no echo tool through the gateway');
        const paths: CallPath[] = clients.map((client, i) => ({ name: `client ${i}`, client, tool }));
        // Warm every replica (round robin spreads the warm-up calls too).
        for (let i = 0; i < Math.min(WARMUP_CALLS, 3000); i++) await echo(paths[i % paths.length]!);
        const cpuBefore = serving.map((r) => cpuMs(r.child.pid!));
        const t0 = performance.now();
        const rates = await Promise.all(paths.map((p) => throughput(p, CONCURRENCY / CLIENTS, WINDOW_MS)));
        const seconds = (performance.now() - t0) / 1000;
        const rate = rates.reduce((a, b) => a + b, 0);
        const calls = rate * seconds;
        const cpu = serving.map((r, i) => cpuMs(r.child.pid!) - cpuBefore[i]!);
        const sequential = await cpuPerCall(paths[0]!, serving.map((r) => r.child.pid!), CPU_CALLS);
        if (n === 1) single = rate;
        rows.push([
          n,
          Math.round(rate),
          (rate / single).toFixed(2),
          (cpu.reduce((a, b) => a + b, 0) / calls).toFixed(3),
          cpu.map((c) => `${Math.round((100 * c) / cpu.reduce((a, b) => a + b, 0))}%`).join(' / '),
          sequential.pids.reduce((a, b) => a + b, 0).toFixed(3),
        ]);
      } finally {
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
        await nginx.stop();
      }
    }
    const memory = await memoryRows(replicas, data.principals.map((p) => p.secret), memUpstreams.urls);
    return {
      title: 'Replicas behind nginx (PostgreSQL)',
      markdown: [
        table(['replicas', 'calls/s', 'vs 1 replica', 'gateway CPU ms per call (under load)', 'share of that CPU per replica', 'gateway CPU ms per call (sequential)'], rows),
        '',
        `${CLIENTS} clients (2026 era, stateless) with ${CONCURRENCY} calls in flight in total for ${WINDOW_MS / 1000} s per row, through nginx to the replicas, one upstream process; the configuration is read from the replica's cache, the token bucket is off.`,
        'On a machine with fewer cores than replicas + nginx + upstream + client, added replicas share the same cores: the CPU per call column (flat when replicas do not contend) and the even split of CPU across replicas are the capacity signal; calls/s then is bounded by the host, not by the replicas.',
        '',
        `### Memory per replica with ${MEM_PRINCIPALS.toLocaleString('en-US')} principals`,
        '',
        `${MEM_PRINCIPALS.toLocaleString('en-US')} principals (an API key each) with ${MEM_CONFIGURATIONS} pc_custom_mcp configurations each on ${MEM_UPSTREAMS} shared upstreams (5 tools each), the three replicas above, default settings (log level info). ` +
          `Each principal opens one 2025-era session (state held by its replica) on replica i mod 3, as a round-robin balancer spreads them, and lists its tools once (which opens its configurations' upstream sessions). ` +
          `VmRSS from /proc after a ${SETTLE_MS} ms settle, no forced GC; JS heap used from each replica's /metrics. MB.`,
        '',
        table(['state', 'replica 1 RSS', 'replica 2 RSS', 'replica 3 RSS'], memory.rows),
        '',
        memory.note,
      ].join('\n'),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await upstreams.close();
    await memUpstreams.close();
    await data.remove();
    await db.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await replicasBench();
  process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
  process.exit(0);
}
