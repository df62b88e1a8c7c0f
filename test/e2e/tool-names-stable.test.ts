/**
 * Issue 13 §2: one configuration's tool names never move to another configuration after a restart.
 * Through the built server a user runs (REST to configure, an SDK client over Streamable HTTP to list
 * tools), on one data file: two configurations with the same name, the older deleted, the server
 * restarted — the newer keeps exactly the names it had; a rename keeps them too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { routeOf } from '../helpers/connector-e2e.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type PreparedData, type SpawnedServer } from '../helpers/server.js';

let fake: FakeGithub;
let data: PreparedData;
let server: SpawnedServer | undefined;

beforeAll(async () => {
  fake = await startFakeGithub();
  data = await prepareData({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
  server = await spawnServer(data);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await data?.remove();
  await fake?.close();
});

/** configuration id → the sorted tool names the gateway lists for it. */
async function namesByConfiguration(url: string, secret: string): Promise<Map<string, string[]>> {
  const client = new Client({ name: 'names-e2e', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  try {
    const out = new Map<string, string[]>();
    for (const tool of (await client.listTools()).tools) {
      const id = routeOf(tool).configuration_id;
      out.set(id, [...(out.get(id) ?? []), tool.name].sort());
    }
    return out;
  } finally {
    await client.close();
  }
}

async function create(name: string): Promise<string> {
  const r = await api(server!.url, data.principals[0]!.secret, 'POST', CONFIGURATIONS, {
    personal_connector_id: 'pc_github',
    name,
    configuration: { api_base_url: fake.url, repository: 'acme/backend' },
    credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN },
  });
  expect(r.status, r.text).toBe(201);
  return r.json!.id!;
}

describe('tool names stay with their configuration', () => {
  it('two namesakes: deleting the older and restarting moves none of the newer one\'s names; a rename keeps them', async () => {
    const secret = data.principals[0]!.secret;
    const older = await create('GitHub');
    const newer = await create('GitHub');
    const before = await namesByConfiguration(server!.mcpUrl, secret);
    const olderNames = before.get(older)!;
    const newerNames = before.get(newer)!;
    expect(olderNames).toContain('github_get_issue');
    expect(newerNames.length).toBe(olderNames.length);
    expect(newerNames.every((n) => /^github_[0-9a-f]{6}_/.test(n))).toBe(true);

    expect((await api(server!.url, secret, 'DELETE', `${CONFIGURATIONS}/${older}`)).status).toBe(200);
    await server!.stop();
    server = await spawnServer(data);
    const afterRestart = await namesByConfiguration(server.mcpUrl, secret);
    expect([...afterRestart.keys()]).toEqual([newer]);
    expect(afterRestart.get(newer)).toEqual(newerNames);

    // Renamed, and restarted again: still the same names.
    const renamed = await api(server.url, secret, 'PATCH', `${CONFIGURATIONS}/${newer}`, { name: 'Work account' });
    expect(renamed.status, renamed.text).toBe(200);
    await server.stop();
    server = await spawnServer(data);
    expect((await namesByConfiguration(server.mcpUrl, secret)).get(newer)).toEqual(newerNames);
  }, 120_000);
});
