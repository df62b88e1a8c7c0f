import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { api, prepareData, spawnServer, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { waitFor } from '../helpers/timing.js';
import { createConfig, startPlainUpstream } from '../replicas/cluster.js';

/**
 * A revoked API key's open MCP streams end at once, whoever revoked it: this server (REST) or
 * another process on the same data (the CLI). Real SDK clients of both eras hold their streams
 * against the built server; another key of the same user and another principal keep theirs.
 */

/** What a client saw of its standalone GET streams (2025 era): opened, ended, and each GET's status. */
interface GetStreams {
  opened: number;
  ended: number;
  statuses: number[];
}

/** fetch for the SDK transport that reports when a GET event stream's body ends (cleanly or not). */
function watchingFetch(w: GetStreams): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if ((init?.method ?? 'GET') !== 'GET') return res;
    w.statuses.push(res.status);
    if (!res.ok || !res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return res;
    w.opened++;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            w.ended++;
            ctrl.close();
          } else ctrl.enqueue(value);
        } catch (e) {
          w.ended++;
          ctrl.error(e);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

interface Watched {
  client: Client;
  era: '2025' | '2026';
  changed: number;
  get: GetStreams;
  /** 2026: how its listen stream ended, once it has. */
  listenEnd: 'local' | 'graceful' | 'remote' | undefined;
}

async function connect(url: string, secret: string, era: '2025' | '2026'): Promise<Watched> {
  const w: Watched = { client: undefined as unknown as Client, era, changed: 0, get: { opened: 0, ended: 0, statuses: [] }, listenEnd: undefined };
  w.client = new Client(
    { name: 'revocation-test', version: '1' },
    {
      versionNegotiation: era === '2025' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } },
      listChanged: { tools: { onChanged: () => w.changed++, autoRefresh: false } },
    },
  );
  w.client.onerror = () => {}; // the refused reconnects of a revoked key are expected here
  await w.client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } }, fetch: watchingFetch(w.get) }));
  if (era === '2025') await waitFor(() => w.get.opened === 1, 'the 2025 client’s standalone GET stream');
  else {
    const sub = await waitFor(() => w.client.autoOpenedSubscription, 'the 2026 client’s listen stream');
    void sub.closed.then((how) => (w.listenEnd = how));
  }
  return w;
}

const streamEnded = (w: Watched) => (w.era === '2025' ? w.get.ended > 0 : w.listenEnd !== undefined);

describe.each(['embedded', 'postgresql'] as const)('revoking an API key ends its MCP streams (%s store)', (backend) => {
  let db: TestDatabase | undefined;
  let data: PreparedData;
  let server: SpawnedServer;
  let plain: Awaited<ReturnType<typeof startPlainUpstream>>;
  const clients: Watched[] = [];
  /** Per principal: its 2025 client and its 2026 client. */
  const byKey = new Map<number, Watched[]>();
  const of = (p: number) => byKey.get(p)!;

  beforeAll(async () => {
    plain = await startPlainUpstream();
    db = backend === 'postgresql' ? await createTestDatabase() : undefined;
    data = await prepareData({
      // Two keys of one user (A, B), and another principal (C).
      principals: [
        { organization_id: 'org_t0', user_id: 'usr_t0' },
        { organization_id: 'org_t0', user_id: 'usr_t0' },
        { organization_id: 'org_t1', user_id: 'usr_t1' },
      ],
      settings: { network: { allow_loopback: true } },
      ...(db ? { env: { CONNECTOR_GATEWAY_DATABASE_URL: db.url } } : {}),
    });
    server = await spawnServer(data);
  });
  afterAll(async () => {
    await Promise.all(clients.map((w) => w.client.close().catch(() => {})));
    await server?.stop();
    await data?.remove();
    await db?.drop();
    await plain?.close();
  });

  const [A, B, C] = [0, 1, 2];
  const secret = (p: number) => data.principals[p]!.secret;
  const keyId = (p: number) => data.principals[p]!.keyId;

  it('revoked through REST: the key’s GET and listen streams end, its next request gets 401; the user’s other key and another principal stay open', async () => {
    for (const p of [A, B, C]) {
      const mine = [await connect(server.mcpUrl, secret(p), '2025'), await connect(server.mcpUrl, secret(p), '2026')];
      clients.push(...mine);
      byKey.set(p, mine);
    }

    // B revokes A (a user may revoke any of their own keys).
    const revoked = await api(server.url, secret(B), 'DELETE', `/v1/api_keys/${keyId(A)}`);
    expect(revoked.status, revoked.text).toBe(200);
    await waitFor(() => of(A).every(streamEnded), 'both streams of the revoked key to end');
    // The 2025 client tries to open its stream again, and is refused.
    await waitFor(() => of(A)[0]!.get.statuses.includes(401), 'the 2025 client’s reconnect refused with 401');
    for (const w of of(A)) await expect(w.client.listTools()).rejects.toThrow(/401|nauthorized|revoked/);
    const direct = await api(server.url, secret(A), 'POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, { accept: 'application/json, text/event-stream' });
    expect(direct.status).toBe(401);

    // The others' streams are still open: a change of each owner reaches them, and nothing more ended.
    await createConfig(server.url, secret(B), 'Beta', plain.url);
    await createConfig(server.url, secret(C), 'Gamma', plain.url);
    await waitFor(() => [...of(B), ...of(C)].every((w) => w.changed >= 1), 'list_changed on the streams of key B and principal C');
    for (const w of [...of(B), ...of(C)]) {
      expect(streamEnded(w)).toBe(false);
      expect((await w.client.listTools()).tools.length).toBe(1);
    }
    expect(of(A).map((w) => w.changed)).toEqual([0, 0]);
  });

  it('revoked by the CLI in another process: the server hears it and ends that key’s streams only', async () => {
    const [b2025, b2026] = of(B) as [Watched, Watched];
    const [c2025, c2026] = of(C) as [Watched, Watched];
    expect([b2025, b2026, c2025, c2026].some(streamEnded)).toBe(false);

    const r = await runCli(['keys', 'revoke', keyId(B), '--json'], data.env);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => streamEnded(b2025) && streamEnded(b2026), 'both streams of key B to end after the CLI revoked it');
    await expect(b2026.client.listTools()).rejects.toThrow(/401|nauthorized|revoked/);

    const before = [c2025.changed, c2026.changed];
    await createConfig(server.url, secret(C), 'Delta', plain.url);
    await waitFor(() => c2025.changed > before[0]! && c2026.changed > before[1]!, 'list_changed still reaching principal C');
    expect(streamEnded(c2025) || streamEnded(c2026)).toBe(false);
  });
});
