import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { providerTokens, startCheckingUpstream } from '../e2e/oauth-support.js';
import { api, type ApiBody } from '../helpers/server.js';
import { sql } from '../helpers/postgres.js';
import { waitFor } from '../helpers/timing.js';
import { CONFIGS, createConfig, startCluster, startPlainUpstream, type Cluster } from './cluster.js';
import { LegacySession, listChangedCount, modernPost, type Listener } from './raw-mcp.js';

/**
 * Three gateway processes on one PostgreSQL database behind nginx (test/replicas/nginx.ts, the
 * config docs/deployment.md shows), two principals with clients spread over the replicas.
 */
const REST_LIMIT = 40;

let cluster: Cluster;
let plain: Awaited<ReturnType<typeof startPlainUpstream>>;
let provider: StartedOidcProvider;
let checking: Awaited<ReturnType<typeof startCheckingUpstream>>;
const modern: Client[] = [];
const listeners: Listener[] = [];

beforeAll(async () => {
  provider = await startOidcProvider();
  [plain, checking] = await Promise.all([startPlainUpstream(), startCheckingUpstream(provider)]);
  cluster = await startCluster({
    // Principal 2 only spends the REST budget (the shared rate-limit test).
    principals: 3,
    settings: {
      limits: { rate_limit_per_minute: REST_LIMIT, mcp_rate_limit_per_minute: 0 },
      oauth: { pc_custom_mcp: { issuer: provider.issuer, client_id: provider.clientId, client_secret: provider.clientSecret, scopes: ['openid'] } },
    },
  });
});
afterAll(async () => {
  for (const l of listeners) l.close();
  await Promise.all(modern.map((c) => c.close().catch(() => {})));
  await cluster?.close();
  await Promise.all([plain?.close(), checking?.close(), provider?.close()]);
});

const secretOf = (p: number) => cluster.data.principals[p]!.secret;
const mcpOf = (r: number) => cluster.replicas[r]!.mcpUrl;
const lb = () => cluster.nginx.url;

async function modernClient(url: string, secret: string, onChanged?: () => void): Promise<Client> {
  const client = new Client(
    { name: 'replica-test', version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...(onChanged ? { listChanged: { tools: { onChanged: () => onChanged(), autoRefresh: false } } } : {}) },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  modern.push(client);
  return client;
}

describe('three replicas, one database, nginx in front', () => {
  it('a change made through one replica reaches the sessions of its owner on every replica, and only those', async () => {
    for (const p of [0, 1]) await createConfig(lb(), secretOf(p), `Alpha ${p}`, plain.url);
    // Per principal, per replica: a 2025-era session with its standalone stream and a 2026-era
    // client with its subscription, each pinned to its replica (not through nginx).
    type Watcher = { principal: number; replica: number; era: string; count: () => number; tools: () => Promise<string[]> };
    const watchers: Watcher[] = [];
    for (const p of [0, 1]) {
      for (const r of [0, 1, 2]) {
        const s = await LegacySession.open(mcpOf(r), secretOf(p));
        expect(await s.toolNames()).toEqual([`alpha_${p}_echo`]);
        const l = await s.listen();
        listeners.push(l);
        watchers.push({ principal: p, replica: r, era: '2025', count: () => listChangedCount(l), tools: () => s.toolNames() });
        let changed = 0;
        const c = await modernClient(mcpOf(r), secretOf(p), () => changed++);
        await waitFor(() => c.autoOpenedSubscription !== undefined, 'the 2026 client’s subscription stream');
        expect((await c.listTools()).tools.map((t) => t.name)).toEqual([`alpha_${p}_echo`]);
        watchers.push({ principal: p, replica: r, era: '2026', count: () => changed, tools: async () => (await c.listTools()).tools.map((t) => t.name).sort() });
      }
    }
    const of = (p: number) => watchers.filter((w) => w.principal === p);
    const counts = (p: number) => of(p).map((w) => `${w.era}@${w.replica}:${w.count()}`).join(' ');

    // Principal 0 adds a configuration through replica 0: every session of principal 0 hears it.
    await createConfig(cluster.replicas[0]!.url, secretOf(0), 'Beta', plain.url);
    await waitFor(() => of(0).every((w) => w.count() >= 1), `list_changed on every session of principal 0 (${counts(0)})`);
    for (const w of of(0)) expect((await w.tools()).sort()).toEqual(['alpha_0_echo', 'beta_echo']);

    // Principal 1 changes through replica 1. Changes are delivered in commit order on each replica,
    // so had principal 1's sessions heard principal 0's change, they would count two by now.
    await createConfig(cluster.replicas[1]!.url, secretOf(1), 'Gamma', plain.url);
    await waitFor(() => of(1).every((w) => w.count() >= 1), `list_changed on every session of principal 1 (${counts(1)})`);
    expect(of(1).map((w) => w.count())).toEqual(of(1).map(() => 1));

    // And principal 0, through replica 2: exactly one more each, none for principal 1's change.
    const beta = (await api<ApiBody>(lb(), secretOf(0), 'GET', `${CONFIGS}?limit=10`)).json!.data!.find((c) => c.name === 'Beta')!;
    expect((await api(cluster.replicas[2]!.url, secretOf(0), 'PATCH', `${CONFIGS}/${beta.id!}`, { enabled: false })).status).toBe(200);
    await waitFor(() => of(0).every((w) => w.count() >= 2), `a second list_changed on every session of principal 0 (${counts(0)})`);
    expect(of(0).map((w) => w.count())).toEqual(of(0).map(() => 2));
    for (const w of of(0)) expect(await w.tools()).toEqual(['alpha_0_echo']);
  });

  it('a 2025-era session opened through nginx is served by every replica; other principals and altered ids get 404', async () => {
    const s = await LegacySession.open(`${lb()}/mcp`, secretOf(0));
    expect(s.id).toMatch(/^s1\./);
    const served = new Set([s.openedOn]);
    for (let i = 0; i < 4; i++) {
      const { result, servedBy } = await s.request('tools/list');
      expect((result.tools as unknown[]).length).toBe(1);
      served.add(servedBy);
    }
    // nginx's round robin put the session's requests on all three replicas.
    expect([...served].sort()).toEqual([...cluster.addresses].sort());
    const call = await s.request('tools/call', { name: 'alpha_0_echo', arguments: {} });
    expect(JSON.stringify(call.result.content)).toContain('echoed');

    for (const r of [0, 1, 2]) {
      const foreign = await s.send({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }, { bearer: secretOf(1) });
      expect(foreign.status).toBe(404);
      const altered = await s.send({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }, { id: s.id.slice(0, -2) + (s.id.endsWith('A') ? 'BB' : 'AA') });
      expect(altered.status, `replica ${r}`).toBe(404);
    }

    // Its standalone stream lands on some replica: a change through nginx reaches it there.
    const l = await s.listen();
    listeners.push(l);
    await createConfig(lb(), secretOf(0), 'Delta', plain.url);
    await waitFor(() => listChangedCount(l) >= 1, `list_changed on the stream nginx sent to ${l.servedBy}`);
    expect(await s.toolNames()).toEqual(['alpha_0_echo', 'delta_echo']);
  });

  it('a DELETE through one replica ends the session on every replica: those holding it and those that never saw it', async () => {
    // Opened on replica 0, taken over by replica 1 (it holds it now); replica 2 never sees it.
    const s = await LegacySession.open(mcpOf(0), secretOf(0));
    expect(await s.via(mcpOf(1)).listStatus()).toBe(200);
    expect((await s.via(mcpOf(1)).end()).status).toBe(200);
    // The replica that was never shown the id reads the store before taking it over: 404 at once.
    expect(await s.via(mcpOf(2)).listStatus()).toBe(404);
    expect(await s.via(mcpOf(1)).listStatus()).toBe(404);
    // The replica that opened it holds a copy: the change feed tells it, and it closes its copy.
    await waitFor(async () => (await s.via(mcpOf(0)).listStatus()) === 404, 'replica 0 refusing the session ended through replica 1');
    // Ended is ended: nginx's round robin never finds a replica that serves it again.
    for (let i = 0; i < 3; i++) expect(await s.via(`${lb()}/mcp`).listStatus()).toBe(404);
    const rows = await sql<{ n: string }>(cluster.db.url, 'SELECT count(*)::text AS n FROM cg_ended_sessions');
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(1);
    // The store holds a digest, never the id.
    const ids = await sql<{ id: string }>(cluster.db.url, 'SELECT id FROM cg_ended_sessions');
    expect(ids.every((r) => /^[0-9a-f]{64}$/.test(r.id) && !s.id.includes(r.id))).toBe(true);
    // A session of the same principal that was not ended is untouched.
    const other = await LegacySession.open(mcpOf(0), secretOf(0));
    for (const r of [0, 1, 2]) expect(await other.via(mcpOf(r)).listStatus()).toBe(200);
  });

  it('2026-era requests are stateless: consecutive ones land on different replicas and each is served', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const list = await modernPost(`${lb()}/mcp`, secretOf(1), 'tools/list');
      expect(list.status, list.text).toBe(200);
      expect(JSON.stringify(list.messages)).toContain('gamma_echo');
      served.add(list.servedBy);
      const call = await modernPost(`${lb()}/mcp`, secretOf(1), 'tools/call', { name: 'gamma_echo', arguments: {} });
      expect(call.status, call.text).toBe(200);
      expect(call.text).toContain('echoed');
      served.add(call.servedBy);
    }
    expect([...served].sort()).toEqual([...cluster.addresses].sort());
  });

  it('fifty concurrent calls on an expired OAuth token across all replicas: exactly one refresh, the rotated token used by all', async () => {
    const tokens = await providerTokens(provider, 'alice');
    await createConfig(lb(), secretOf(1), 'Checked', checking.url, {
      credentials: { type: 'oauth2', access_token: tokens.access_token, refresh_token: tokens.refresh_token, expires_at: new Date(Date.now() - 60_000).toISOString() },
    });
    const before = provider.tokenCalls.refresh_token ?? 0;
    const clients = await Promise.all([0, 1, 2].map((r) => modernClient(mcpOf(r), secretOf(1))));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => clients[i % 3]!.callTool({ name: 'checked_whoami', arguments: {} })));
    for (const r of results) expect(r.isError ?? false, JSON.stringify(r.content)).toBe(false);
    expect((provider.tokenCalls.refresh_token ?? 0) - before).toBe(1);
    expect(provider.refreshFailures).toBe(0);
    expect(checking.seen.tokens).not.toContain(tokens.access_token);
    expect(new Set(checking.seen.admitted).size).toBe(1);
    // The rotated token is sealed in the database: no row holds it in clear.
    const fresh = checking.seen.admitted[0]!;
    const rows = await sql<{ n: string }>(cluster.db.url, `SELECT count(*)::text AS n FROM cg_configurations WHERE doc::text LIKE '%' || $1 || '%'`, [fresh]);
    expect(rows[0]!.n).toBe('0');
  });

  it('the audit trail is one: calls served by every replica are listed alike by each', async () => {
    // Tool-call audit is written in batches off the call path: wait for all fifty rows.
    await waitFor(async () => {
      const r = await sql<{ n: string }>(cluster.db.url, `SELECT count(*)::text AS n FROM cg_audit_events WHERE doc->>'action' = 'tool.called' AND doc->'detail'->>'tool' = 'checked_whoami'`);
      return Number(r[0]!.n) >= 50;
    }, 'fifty tool.called audit events in the database');
    const views = await Promise.all(cluster.replicas.map((r) => api<ApiBody>(r.url, secretOf(1), 'GET', '/v1/audit_events?limit=100')));
    const ids = views.map((v) => {
      expect(v.status, v.text).toBe(200);
      return v.json!.data!.map((e) => e.id);
    });
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    expect(views[0]!.json!.data!.filter((e) => e.action === 'tool.called').length).toBeGreaterThanOrEqual(50);
  });

  it('rate limits hold for the deployment: one budget per principal whichever replica counts it', async () => {
    let ok = 0;
    let refused: { status: number; text: string } | undefined;
    // Round robin over the replicas directly: limits per replica would admit 3 × REST_LIMIT.
    for (let i = 0; i < 3 * REST_LIMIT && !refused; i++) {
      const r = await api(cluster.replicas[i % 3]!.url, secretOf(2), 'GET', `${CONFIGS}?limit=1`);
      if (r.status === 200) ok++;
      else refused = r;
    }
    expect(refused?.status).toBe(429);
    expect(refused?.text).toContain('rate limit');
    // A shared budget admits REST_LIMIT, plus what refills meanwhile (one per 1.5 s): far from 3 ×.
    expect(ok).toBeGreaterThanOrEqual(REST_LIMIT);
    expect(ok).toBeLessThan(2 * REST_LIMIT);
    const buckets = await sql<{ key: string }>(cluster.db.url, `SELECT key FROM cg_rate_buckets WHERE key LIKE 'rest:%'`);
    expect(buckets.length).toBeGreaterThan(0);
  });
});
