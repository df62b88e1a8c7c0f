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
import { cpuMs } from './fixtures/proc.js';

const QUICK = process.env.BENCH_QUICK === '1';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? (QUICK ? 1000 : 5000));
const CONCURRENCY = 48;
const CLIENTS = 2;
const CPU_CALLS = QUICK ? 300 : 1500;

export default async function replicasBench(): Promise<BenchSection> {
  const db = await createTestDatabase();
  const upstreams = await startUpstreams(1);
  const data = await prepareData({
    principals: 1,
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
    return {
      title: 'Replicas behind nginx (PostgreSQL)',
      markdown: [
        table(['replicas', 'calls/s', 'vs 1 replica', 'gateway CPU ms per call (under load)', 'share of that CPU per replica', 'gateway CPU ms per call (sequential)'], rows),
        '',
        `${CLIENTS} clients (2026 era, stateless) with ${CONCURRENCY} calls in flight in total for ${WINDOW_MS / 1000} s per row, through nginx to the replicas, one upstream process; the configuration is read from the replica's cache, the token bucket is off.`,
        'On a machine with fewer cores than replicas + nginx + upstream + client, added replicas share the same cores: the CPU per call column (flat when replicas do not contend) and the even split of CPU across replicas are the capacity signal; calls/s then is bounded by the host, not by the replicas.',
      ].join('\n'),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await upstreams.close();
    await data.remove();
    await db.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await replicasBench();
  process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
  process.exit(0);
}
