/** Microsoft Teams through the gateway: MCP client → gateway (HTTP) → pc_teams → the loopback Graph fake. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsConnector } from '../../connectors/teams/index.js';
import { startFakeTeams, type TeamsFake } from '../fakes/teams.js';
import { expectNamespacedTools, expectOk, expectRevocationReported, freshUser, rpcErrorCode, routeOf, startConnectorE2E, textOf, type ConnectorE2E } from '../helpers/connector-e2e.js';

const TEAM = 'team-abc123';
const CHANNEL = 'channel-xyz789';
const MESSAGES = `/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages`;
const REVOCABLE = 'graph-token-revocable-e2e';
let env: ConnectorE2E<TeamsFake>;

beforeAll(async () => {
  env = await startConnectorE2E({
    // Graph's server-side page cap at 2: a read of six channel messages takes three pages.
    startFake: async () => {
      const f = await startFakeTeams({ maxPageSize: 2 });
      f.acceptToken(REVOCABLE);
      f.seedMessages({ teamId: TEAM, channelId: CHANNEL }, 5);
      return f;
    },
    connector: 'pc_teams',
    name: 'Teams',
    configuration: (f) => ({ api_base_url: f.url, team_id: TEAM, channel_id: CHANNEL }),
    credentials: (f) => ({ type: 'bearer', token: f.token }),
  });
});
afterAll(async () => {
  await env?.close();
});

const call = (name: string, args: Record<string, unknown>) => env.client.callTool({ name, arguments: args });

describe('Microsoft Teams through the gateway', () => {
  it('lists every tool as teams_<tool>, naming the configuration, with the connector’s annotations', async () => {
    const { tools } = await env.client.listTools();
    expectNamespacedTools(tools, { slug: 'teams', configuration: env.configuration, connectorName: 'Microsoft Teams', upstream: teamsConnector.tools });
    expect(tools.find((t) => t.name === 'teams_list_channel_messages')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === 'teams_send_channel_message')?.annotations).toMatchObject({ readOnlyHint: false });
  });

  it('a read call sends the bearer token to Graph', async () => {
    const before = env.fake.requests.length;
    const r = await call('teams_list_channels', {});
    const out = expectOk(r) as { channels: { id: string }[] };
    expect(out.channels.map((c) => c.id)).toContain(CHANNEL);
    expect(textOf(r)).toContain('General');
    const sent = env.fake.requests.slice(before);
    expect(sent[0]).toMatchObject({ method: 'GET', path: `/v1.0/teams/${TEAM}/channels` });
    expect(sent.every((s) => s.headers.authorization === `Bearer ${env.fake.token}`)).toBe(true);
  });

  it('a write call posts to the configured channel', async () => {
    const before = env.fake.requests.length;
    const r = await call('teams_send_channel_message', { content: 'Posted through MCP' });
    const out = expectOk(r) as { message: { id: string; text: string } };
    expect(out.message.text).toBe('Posted through MCP');
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: MESSAGES, body: { body: { contentType: 'text', content: 'Posted through MCP' } } });
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${env.fake.token}`);
    expect(env.fake.state.teams[0]?.channels[0]?.messages.at(-1)?.id).toBe(out.message.id);
  });

  it('a 429 with Retry-After: 1 is waited out and the call succeeds', async () => {
    const before = env.fake.requests.length;
    env.fake.inject({ status: 429, retryAfter: 1, method: 'GET', pathPrefix: `/teams/${TEAM}/channels` });
    // This fake records no arrival times: the call's own duration bounds the wait from below.
    const started = performance.now();
    const r = await call('teams_list_channels', {});
    const elapsed = performance.now() - started;
    expectOk(r);
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([`GET /v1.0/teams/${TEAM}/channels`, `GET /v1.0/teams/${TEAM}/channels`]);
    expect(elapsed).toBeGreaterThanOrEqual(950);
  });

  it('follows @odata.nextLink across three pages', async () => {
    const before = env.fake.requests.length;
    const r = await call('teams_list_channel_messages', { limit: 6 });
    const out = expectOk(r) as { messages: { id: string }[]; has_more: boolean };
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(Array(3).fill(`GET ${MESSAGES}`));
    expect(sent[0]?.query.$skiptoken).toBeUndefined();
    expect(new Set(sent.slice(1).map((s) => s.query.$skiptoken)).size).toBe(2);
    expect(out.messages).toHaveLength(6);
    expect(new Set(out.messages.map((m) => m.id)).size).toBe(6);
    expect(out.has_more).toBe(true);
  });

  it('bad arguments come back as isError and send nothing to Graph', async () => {
    const before = env.fake.requests.length;
    const r = await call('teams_list_channel_messages', { limit: 100_000 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/limit/);
    const bad = await call('teams_list_channels', { team_id: '../users' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/team_id/);
    expect(env.fake.requests.length).toBe(before);
  });

  it('a revoked token turns the configuration unhealthy with a useful last_error', async () => {
    const user = freshUser('tmrevoke');
    const conf = await env.addConfiguration({ user, connector: 'pc_teams', name: 'Revocable', configuration: { api_base_url: env.fake.url }, credentials: { type: 'bearer', token: REVOCABLE } });
    const { after } = await expectRevocationReported(env.h, { client: await env.connect(user), tool: 'revocable_list_joined_teams', configuration: conf, revoke: () => env.fake.revokeToken(REVOCABLE), secrets: [REVOCABLE] });
    expect(after.last_error).toMatch(/InvalidAuthenticationToken/);
  });

  it('read_only: the send tools are neither listed nor callable', async () => {
    const user = freshUser('tmro');
    await env.addConfiguration({ user, connector: 'pc_teams', name: 'Reader', configuration: { api_base_url: env.fake.url, team_id: TEAM, channel_id: CHANNEL, read_only: true }, credentials: { type: 'bearer', token: env.fake.token } });
    const c = await env.connect(user);
    const names = (await c.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['reader_get_message_replies', 'reader_list_channel_messages', 'reader_list_channels', 'reader_list_chat_messages', 'reader_list_chats', 'reader_list_joined_teams']);
    const before = env.fake.requests.length;
    for (const write of ['send_channel_message', 'reply_to_message', 'send_chat_message']) {
      expect(await rpcErrorCode(c.callTool({ name: `reader_${write}`, arguments: { content: 'x' } }))).toBe(-32602);
    }
    expect(env.fake.requests.length).toBe(before);
  });

  it('two configurations with the same name get distinct tool names', async () => {
    const user = freshUser('tmtwins');
    const a = await env.addConfiguration({ user, connector: 'pc_teams', name: 'Teams', configuration: { api_base_url: env.fake.url, team_id: TEAM }, credentials: { type: 'bearer', token: env.fake.token } });
    const b = await env.addConfiguration({ user, connector: 'pc_teams', name: 'Teams', configuration: { api_base_url: env.fake.url }, credentials: { type: 'bearer', token: env.fake.token } });
    const c = await env.connect(user);
    const tools = (await c.listTools()).tools;
    const nameOf = (id: string) => tools.find((t) => routeOf(t).configuration_id === id && routeOf(t).upstream_tool === 'list_joined_teams')?.name ?? '';
    expect(nameOf(a.id)).toBe('teams_list_joined_teams');
    expect(nameOf(b.id)).toMatch(/^teams_[0-9a-f]{6}_list_joined_teams$/);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    const again = await env.connect(user);
    expect((await again.listTools()).tools.map((t) => t.name)).toEqual(tools.map((t) => t.name));
  });
});
