/**
 * Issue 14 §4: a configuration chooses its tool prefix, or none. Through the built server a user
 * runs (REST to configure, an SDK client over Streamable HTTP): with no prefix the upstream's tool
 * names come through unchanged; changing the prefix renames the tools and tells open sessions
 * (`tools/list_changed`); a choice that would make two tools share a name is refused when the
 * catalogs are known at save time, and settled by the documented rule (the older configuration
 * keeps the name, the newer one's tool is suffixed and its `last_error` says so) when they are not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { routeOf } from '../helpers/connector-e2e.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { TEST_TIMEOUT_MS, waitFor } from '../helpers/timing.js';

let github: FakeGithub;
let upA: Awaited<ReturnType<typeof startUpstream>>;
let upB: Awaited<ReturnType<typeof startUpstream>>;
let data: PreparedData;
let server: SpawnedServer;
let secret: string;

const tool = (name: string) => ({ name, description: name, inputSchema: { type: 'object' as const } });

beforeAll(async () => {
  github = await startFakeGithub();
  upA = await startUpstream({ tools: [tool('echo'), tool('only_a')] });
  // Shares `echo` with upA, and names a tool like the gateway's own stdio tool.
  upB = await startUpstream({ tools: [tool('echo'), tool('open-gateway-settings')] });
  data = await prepareData({ principals: 2, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
  secret = data.principals[0]!.secret;
  server = await spawnServer(data);
}, TEST_TIMEOUT_MS);
afterAll(async () => {
  await server?.stop();
  await data?.remove();
  await Promise.all([github?.close(), upA?.close(), upB?.close()]);
});

async function connect(key = secret): Promise<Client> {
  const client = new Client({ name: 'prefix-e2e', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
}

async function toolsOf(client: Client, configurationId: string): Promise<string[]> {
  return (await client.listTools()).tools.filter((t) => routeOf(t).configuration_id === configurationId).map((t) => t.name);
}

async function createCustom(name: string, url: string, extra: Record<string, unknown> = {}, key = secret) {
  return api(server.url, key, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint: url }, ...extra });
}

async function createGithub(name: string, extra: Record<string, unknown> = {}) {
  return api(server.url, secret, 'POST', CONFIGURATIONS, {
    personal_connector_id: 'pc_github',
    name,
    configuration: { api_base_url: github.url, repository: 'acme/backend' },
    credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN },
    ...extra,
  });
}

const idOf = (r: { status: number; text: string; json: ApiBody | undefined }): string => {
  expect(r.status, r.text).toBe(201);
  return r.json!.id!;
};

describe('choosing a tool prefix', () => {
  it('no prefix exposes the upstream tool names unchanged; a chosen one renames them and announces tools/list_changed', async () => {
    // Another principal, alone: nothing else of its own can clash.
    const other = data.principals[1]!.secret;
    const created = await createCustom('Plain', upA.url, { tool_prefix: '' }, other);
    const id = idOf(created);
    expect(created.json!.tool_prefix).toBe('');
    const client = await connect(other);
    try {
      expect((await toolsOf(client, id)).sort()).toEqual(['echo', 'only_a']);
      const called = await client.callTool({ name: 'echo', arguments: { message: 'through, unchanged' } });
      expect(called.content).toEqual([{ type: 'text', text: 'through, unchanged' }]);

      const changed = new Promise<void>((resolve) => client.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
      const patched = await api(server.url, other, 'PATCH', `${CONFIGURATIONS}/${id}`, { tool_prefix: 'mine' });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.json!.tool_prefix).toBe('mine');
      await changed;
      expect((await toolsOf(client, id)).sort()).toEqual(['mine_echo', 'mine_only_a']);

      // The default, from the name, when none is given.
      const named = idOf(await createCustom('Work Server', upA.url, {}, other));
      expect((await api(server.url, other, 'GET', `${CONFIGURATIONS}/${named}`)).json!.tool_prefix).toBe('work_server');
    } finally {
      await client.close();
    }
  }, TEST_TIMEOUT_MS);

  it('refuses a prefix that would give two tools one name when both catalogs are known (409, tool_prefix), and a malformed one (400)', async () => {
    const first = idOf(await createGithub('GitHub A', { tool_prefix: '' }));
    const sameTools = await createGithub('GitHub B', { tool_prefix: '' });
    expect(sameTools.status, sameTools.text).toBe(409);
    expect(sameTools.json!.error).toMatchObject({ type: 'conflict_error', code: 'tool_name_clash', param: 'tool_prefix' });
    expect(sameTools.json!.error!.message).toContain(`configuration "GitHub A" (${first})`);
    expect(sameTools.json!.error!.message).toMatch(/tool "\w+" would have the same name/);

    const second = idOf(await createGithub('GitHub B', { tool_prefix: 'gh' }));
    const samePrefix = await api(server.url, secret, 'PATCH', `${CONFIGURATIONS}/${first}`, { tool_prefix: 'gh' });
    expect(samePrefix.status, samePrefix.text).toBe(409);
    expect(samePrefix.json!.error).toMatchObject({ code: 'tool_name_clash', param: 'tool_prefix' });
    expect(samePrefix.json!.error!.message).toContain(`tool prefix of configuration "GitHub B" (${second})`);
    // Refused means unchanged.
    expect((await api(server.url, secret, 'GET', `${CONFIGURATIONS}/${first}`)).json!.tool_prefix).toBe('');

    const malformed = await createGithub('GitHub C', { tool_prefix: 'has space' });
    expect(malformed.status, malformed.text).toBe(400);
    expect(malformed.json!.error).toMatchObject({ param: 'tool_prefix' });

    for (const id of [first, second]) expect((await api(server.url, secret, 'DELETE', `${CONFIGURATIONS}/${id}`)).status).toBe(200);
  }, TEST_TIMEOUT_MS);

  it('a clash found at listing time: the older configuration keeps the name, the newer one\'s tool is suffixed and its last_error says why, until its prefix changes', async () => {
    const older = idOf(await createCustom('Server A', upA.url, { tool_prefix: '' }));
    const newer = idOf(await createCustom('Server B', upB.url, { tool_prefix: '' }));
    const client = await connect();
    try {
      expect((await toolsOf(client, older)).sort()).toEqual(['echo', 'only_a']);
      const renamed = await toolsOf(client, newer);
      expect(renamed).toHaveLength(2);
      expect(renamed.every((n) => n !== 'echo' && n !== 'open-gateway-settings')).toBe(true);
      expect(renamed.some((n) => n.startsWith('echo_'))).toBe(true);
      expect(renamed.some((n) => n.startsWith('open-gateway-settings_'))).toBe(true);
      // The suffixed tool is still the newer upstream's.
      const suffixedEcho = renamed.find((n) => n.startsWith('echo_'))!;
      await client.callTool({ name: suffixedEcho, arguments: { message: 'b' } });
      expect(upB.seen.calls).toContain('echo');

      const report = await waitFor(async () => {
        const r = await api(server.url, secret, 'GET', `${CONFIGURATIONS}/${newer}`);
        return r.json?.last_error;
      }, 'the clash in the newer configuration\'s last_error');
      expect(report).toContain('tool name clash');
      expect(report).toContain(`configuration "Server A" (${older})`);
      expect(report).toContain("the gateway's own tool");
      expect((await api(server.url, secret, 'GET', `${CONFIGURATIONS}/${older}`)).json!.last_error).toBeUndefined();

      expect((await api(server.url, secret, 'PATCH', `${CONFIGURATIONS}/${newer}`, { tool_prefix: 'b' })).status).toBe(200);
      await waitFor(async () => (await api(server.url, secret, 'GET', `${CONFIGURATIONS}/${newer}`)).json?.last_error === undefined || undefined, 'the clash report cleared');
      expect((await toolsOf(client, newer)).sort()).toEqual(['b_echo', 'b_open-gateway-settings']);
    } finally {
      await client.close();
    }
  }, TEST_TIMEOUT_MS);
});
