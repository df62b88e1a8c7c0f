import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { api, CONFIGURATIONS, startServer, type ApiBody, type TestPrincipal } from '../helpers/server.js';
import { PATIENCE_MS } from '../helpers/timing.js';

/**
 * Cross-principal access on every REST route and every MCP method, against the built server.
 * Principals: A and B (same organization), C (another organization, same user id as A) and K (a
 * bare API key in A's organization). Nobody may read, change, test, page past or call another's
 * configuration, nor use another's MCP session.
 */
const OWNERS = [
  { organization_id: 'org_x', user_id: 'usr_a' },
  { organization_id: 'org_x', user_id: 'usr_b' },
  { organization_id: 'org_y', user_id: 'usr_a' },
  { organization_id: 'org_x' },
];
const LABELS = ['a', 'b', 'c', 'k'];

let srv: Awaited<ReturnType<typeof startServer>>;
const upstreams: Awaited<ReturnType<typeof startUpstream>>[] = [];
/** Configuration ids per principal index. */
const owned: string[][] = [];
const clients: Client[] = [];

async function connect(p: TestPrincipal, mode: 'auto' | 'legacy') {
  const client = new Client({ name: 'x', version: '1' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(srv.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${p.secret}` } } });
  await client.connect(transport);
  clients.push(client);
  return { client, sessionId: transport.sessionId };
}

beforeAll(async () => {
  srv = await startServer({ principals: OWNERS, settings: { network: { allow_loopback: true }, limits: { rate_limit_per_minute: 0 } } });
  for (const [i, p] of srv.principals.entries()) {
    const up = await startUpstream();
    upstreams.push(up);
    const ids: string[] = [];
    // Everyone has a "shared" configuration (same tool names for all) and one of their own.
    for (const name of ['shared', `${LABELS[i]}_only`]) {
      const r = await api<ApiBody>(srv.url, p.secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint: up.url } });
      expect(r.status, r.text).toBe(201);
      ids.push(r.json!.id!);
    }
    owned.push(ids);
  }
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await srv?.close();
  for (const u of upstreams) await u.close();
});

describe('cross-principal access', () => {
  it('every REST route refuses another principal’s configuration exactly like a missing one, and changes nothing', async () => {
    const snapshot = async () => (await readFile(srv.dataFile, 'utf8')) + (await readFile(`${srv.dataFile}.audit.jsonl`, 'utf8').catch(() => ''));
    const before = await snapshot();
    const missingId = 'pconf_missing000000000000000';
    let attempts = 0;
    for (const [x, px] of srv.principals.entries()) {
      const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => api<ApiBody>(srv.url, px.secret, method, path, body, headers);
      const missing = await call('GET', `${CONFIGURATIONS}/${missingId}`);
      expect(missing.status).toBe(404);
      const list = await call('GET', `${CONFIGURATIONS}?limit=100`);
      expect(list.json?.data?.map((o) => o.id).sort()).toEqual([...owned[x]!].sort());

      for (const [y, ids] of owned.entries()) {
        if (y === x) continue;
        for (const id of ids) {
          const tries = [
            await call('GET', `${CONFIGURATIONS}/${id}`),
            await call('PATCH', `${CONFIGURATIONS}/${id}`, { name: 'hijacked' }),
            await call('PATCH', `${CONFIGURATIONS}/${id}`, { name: 'hijacked' }, { 'if-match': '"1"' }),
            await call('PATCH', `${CONFIGURATIONS}/${id}`, { credentials: { type: 'bearer', token: 'stolen' } }),
            await call('DELETE', `${CONFIGURATIONS}/${id}`),
            await call('DELETE', `${CONFIGURATIONS}/${id}`, undefined, { 'if-match': '"1"' }),
            await call('POST', `${CONFIGURATIONS}/${id}/test`),
          ];
          for (const t of tries) {
            attempts++;
            expect(t.status, `${LABELS[x]} on ${LABELS[y]}'s ${id}: ${t.text}`).toBe(404);
            expect(t.text.replace(id, 'ID')).toBe(missing.text.replace(missingId, 'ID'));
          }
          // Another's id as a cursor: refused like any id that is not one of yours.
          for (const q of [`starting_after=${id}`, `starting_after=${id}&limit=1`, `personal_connector_id=pc_custom_mcp&starting_after=${id}`]) {
            const page = await call('GET', `${CONFIGURATIONS}?${q}`);
            attempts++;
            expect(page.status, page.text).toBe(400);
            expect(page.json?.error?.param).toBe('starting_after');
          }
        }
        // Creating for someone else is refused by name.
        const other = srv.principals[y]!;
        for (const field of ['user_id', 'organization_id', 'api_key_id'] as const) {
          const value = field === 'api_key_id' ? other.keyId : other[field];
          const mine = field === 'api_key_id' ? px.keyId : px[field];
          if (value === undefined || value === mine) continue;
          const r = await call('POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'forged', configuration: { endpoint: 'https://example.com/mcp' }, [field]: value });
          attempts++;
          expect(r.status, `${LABELS[x]} forging ${field}=${value}: ${r.text}`).toBe(403);
          expect(r.json?.error?.param).toBe(field);
        }
      }
    }
    expect(attempts).toBeGreaterThan(100);
    expect(await snapshot()).toBe(before);
    for (const [y, ids] of owned.entries()) {
      for (const id of ids) expect((await api<ApiBody>(srv.url, srv.principals[y]!.secret, 'GET', `${CONFIGURATIONS}/${id}`)).json?.name).not.toBe('hijacked');
    }
  });

  it('tools/list and tools/call in both eras see and reach only the caller’s own configurations', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      for (const [x, px] of srv.principals.entries()) {
        const { client } = await connect(px, mode);
        const tools = (await client.listTools()).tools;
        const names = tools.map((t) => t.name).sort();
        expect(names.filter((n) => n.startsWith('shared_')).length).toBeGreaterThan(0);
        for (const [y] of owned.entries()) {
          const own = names.some((n) => n.startsWith(`${LABELS[y]}_only_`));
          expect(own, `${mode}: ${LABELS[x]} sees ${LABELS[y]}_only tools`).toBe(x === y);
        }
        for (const t of tools) {
          const route = t._meta?.['mcp-connector-gateway/route'] as { configuration_id?: string } | undefined;
          expect(owned[x]).toContain(route?.configuration_id);
        }
        // The same name routes to the caller's own upstream only.
        const seenBefore = upstreams.map((u) => u.seen.calls.length);
        const r = await client.callTool({ name: 'shared_echo', arguments: { message: `from ${LABELS[x]}` } });
        expect(JSON.stringify(r.content)).toContain(`from ${LABELS[x]}`);
        upstreams.forEach((u, i) => expect(u.seen.calls.length - seenBefore[i]!, `${mode}: upstream of ${LABELS[i]} after ${LABELS[x]}'s call`).toBe(i === x ? 1 : 0));
        // Another's tool name is unknown to the caller, whatever the era.
        for (const [y] of owned.entries()) {
          if (y === x) continue;
          const before = upstreams[y]!.seen.calls.length;
          const other = await client.callTool({ name: `${LABELS[y]}_only_echo`, arguments: { message: 'steal' } }).then(
            (res) => ({ isError: res.isError === true, text: JSON.stringify(res.content) }),
            (e: unknown) => ({ isError: true, text: String(e) }),
          );
          expect(other.isError, `${mode}: ${LABELS[x]} calling ${LABELS[y]}_only_echo`).toBe(true);
          expect(upstreams[y]!.seen.calls.length).toBe(before);
        }
      }
    }
  });

  it('another principal’s 2025 session id answers 404 on POST, GET and DELETE, and the session survives', async () => {
    const [pa, pb] = srv.principals;
    const { client: bClient, sessionId } = await connect(pb!, 'legacy');
    expect(sessionId).toBeTruthy();
    const headers = (secret: string) => ({
      authorization: `Bearer ${secret}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId!,
      'mcp-protocol-version': '2025-11-25',
    });
    for (const thief of [pa!, srv.principals[2]!, srv.principals[3]!]) {
      const post = await fetch(srv.mcpUrl, { method: 'POST', headers: headers(thief.secret), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });
      expect(post.status).toBe(404);
      expect(await post.text()).not.toContain('b_only');
      const get = await fetch(srv.mcpUrl, { method: 'GET', headers: headers(thief.secret), signal: AbortSignal.timeout(PATIENCE_MS) });
      expect(get.status).toBe(404);
      await get.body?.cancel();
      const del = await fetch(srv.mcpUrl, { method: 'DELETE', headers: headers(thief.secret) });
      expect(del.status).toBe(404);
      await del.body?.cancel();
    }
    // Without any token the endpoint does not even look at the session.
    const anon = await fetch(srv.mcpUrl, { method: 'POST', headers: { ...headers('x'), authorization: '' }, body: '{}' });
    expect(anon.status).toBe(401);
    const names = (await bClient.listTools()).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('b_only_'))).toBe(true);
  });
});
