/**
 * Three built gateway processes (dist) on one fresh PostgreSQL database, behind a real nginx; plus
 * a plain upstream MCP server for their tools. Every replica shares the key (CONNECTOR_GATEWAY_KEY)
 * and the database URL, as docs/deployment.md tells an operator to run them.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createServer } from '../helpers/test-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { api, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { startNginx, type RunningNginx } from './nginx.js';

export interface Cluster {
  db: TestDatabase;
  data: PreparedData;
  replicas: SpawnedServer[];
  nginx: RunningNginx;
  /** host:port of each replica, as nginx's X-Served-By names it. */
  addresses: string[];
  close(): Promise<void>;
}

export async function startCluster(opts: { replicas?: number; principals?: number; settings?: Record<string, unknown> } = {}): Promise<Cluster> {
  const db = await createTestDatabase();
  const data = await prepareData({ principals: opts.principals ?? 2, env: { CONNECTOR_GATEWAY_DATABASE_URL: db.url }, settings: { network: { allow_loopback: true }, ...opts.settings } });
  const replicas: SpawnedServer[] = [];
  let nginx: RunningNginx | undefined;
  const close = async () => {
    await nginx?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await data.remove();
    await db.drop();
  };
  try {
    replicas.push(...(await Promise.all(Array.from({ length: opts.replicas ?? 3 }, () => spawnServer(data)))));
    const addresses = replicas.map((r) => new URL(r.url).host);
    nginx = await startNginx(addresses);
    return { db, data, replicas, nginx, addresses, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A plain SDK MCP server (no auth) with one tool, for configurations whose tools the test watches. */
export async function startPlainUpstream() {
  let calls = 0;
  const handler = createMcpHandler(() => {
    const server = new Server({ name: 'plain-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({ tools: [{ name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } }] }));
    server.setRequestHandler('tools/call', async () => {
      calls++;
      return { content: [{ type: 'text' as const, text: 'echoed' }] };
    });
    return server;
  });
  const node = toNodeHandler(handler);
  const http = createServer((req, res) => void node(req, res));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    get calls() {
      return calls;
    },
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

export const CONFIGS = '/v1/personal_connectors/configurations';

export async function createConfig(base: string, secret: string, name: string, endpoint: string, extra: Record<string, unknown> = {}): Promise<ApiBody> {
  const r = await api<ApiBody>(base, secret, 'POST', CONFIGS, { personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint }, ...extra });
  if (r.status !== 201) throw new Error(`creating ${name}: HTTP ${r.status} ${r.text}`);
  return r.json!;
}
