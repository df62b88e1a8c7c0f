import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { teamsConnector, TeamsConfigSchema, type TeamsConfig } from '../../connectors/teams/index.js';
import { htmlToText } from '../../connectors/teams/html.js';
import { createHttpClientFactory, type ClosableHttpClientFactory } from '../../src/http/factory.js';
import { UpstreamError, ValidationError } from '../../src/domain/errors.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { silentLogger } from '../../src/domain/logger.js';
import type { ConnectorSession } from '../../src/domain/connector.js';
import { staticCredentials } from '../helpers/credentials.js';
import { startFakeTeams, type RecordedRequest, type TeamsFake } from '../fakes/teams.js';

const TEAM = 'team-abc123';
const CHANNEL = 'channel-xyz789';
const GROUP_CHAT = '19:2da4c29f6d7041eca70b638b43d45437@thread.v2';
const signal = () => new AbortController().signal;

let http: ClosableHttpClientFactory;
let fake: TeamsFake;

beforeAll(() => {
  // Short backoff so retries without Retry-After do not slow the suite; Retry-After itself is honoured.
  http = createHttpClientFactory({ retry: { baseDelayMs: 1, maxDelayMs: 5 } });
});
afterAll(async () => {
  await http.close();
});
beforeEach(async () => {
  fake = await startFakeTeams();
});
afterEach(async () => {
  await fake.close();
});

async function open(config: Record<string, unknown> = {}, credentials?: ReturnType<typeof staticCredentials>): Promise<ConnectorSession> {
  const parsed: TeamsConfig = TeamsConfigSchema.parse({ api_base_url: fake.url, team_id: TEAM, channel_id: CHANNEL, ...config });
  return teamsConnector.open({
    configurationId: 'pconf_test1',
    configurationName: 'Test',
    config: parsed,
    credentials: credentials ?? staticCredentials({ type: 'bearer', token: fake.token }),
    http,
    network: { allowLoopback: true, allowPrivate: false },
    signal: signal(),
    log: silentLogger,
  });
}

const descriptor = (name: string): Tool => {
  const t = teamsConnector.tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
};

/** Checks structuredContent against the tool's published outputSchema and returns it. */
function structured(name: string, result: CallToolResult): Record<string, unknown> {
  expect(result.isError ?? false, textOf(result)).toBe(false);
  const schema = z.fromJSONSchema(descriptor(name).outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  const parsed = schema.safeParse(result.structuredContent);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  return result.structuredContent as Record<string, unknown>;
}

const textOf = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
const only = (reqs: RecordedRequest[]): RecordedRequest => {
  expect(reqs).toHaveLength(1);
  return reqs[0]!;
};

async function call(session: ConnectorSession, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return session.callTool(name, args, { signal: signal() });
}

describe('configuration', () => {
  it('accepts the spec example and the common fields', () => {
    expect(TeamsConfigSchema.parse({ team_id: 'team-abc123', channel_id: 'channel-xyz789' })).toEqual({ team_id: 'team-abc123', channel_id: 'channel-xyz789' });
    expect(TeamsConfigSchema.safeParse({ api_base_url: 'https://graph.microsoft.us/v1.0', read_only: true, channel_id: '19:a1b2@thread.tacv2' }).success).toBe(true);
    expect(TeamsConfigSchema.parse({})).toEqual({});
  });

  it.each([
    [{ team: 'x' }, 'team'],
    [{ team_id: '' }, 'team_id'],
    [{ team_id: 'a/b' }, 'team_id'],
    [{ channel_id: 'c?x=1' }, 'channel_id'],
    [{ team_id: 42 }, 'team_id'],
    [{ api_base_url: 'ftp://graph.example' }, 'api_base_url'],
    [{ read_only: 'yes' }, 'read_only'],
  ])('refuses %j', (config, field) => {
    const r = TeamsConfigSchema.safeParse(config);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(field);
  });
});

describe('definition', () => {
  it('declares the Teams connector, its auth methods and nine annotated tools', () => {
    expect(teamsConnector.id).toBe('pc_teams');
    expect(teamsConnector.name).toBe('Microsoft Teams');
    expect(teamsConnector.authMethods).toEqual(['oauth2', 'bearer']);
    const names = teamsConnector.tools.map((t) => t.name);
    expect(names).toEqual([
      'list_joined_teams',
      'list_channels',
      'list_channel_messages',
      'get_message_replies',
      'send_channel_message',
      'reply_to_message',
      'list_chats',
      'list_chat_messages',
      'send_chat_message',
    ]);
    for (const t of teamsConnector.tools) {
      const writes = t.name.startsWith('send_') || t.name === 'reply_to_message';
      expect(t.annotations?.readOnlyHint).toBe(!writes);
      expect(t.annotations?.destructiveHint).toBe(false);
      expect(t.annotations?.idempotentHint).toBe(!writes);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
    }
  });
});

describe('credentials and health', () => {
  it('health check: GET /me with the bearer token', async () => {
    const session = await open();
    await session.check(signal());
    const req = only(fake.requests);
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/v1.0/me');
    expect(req.query).toEqual({ $select: 'id,displayName' });
    expect(req.headers.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('health check fails with a revoked token as a credentials error that does not echo the token', async () => {
    const session = await open();
    fake.revokeToken();
    const err = await session.check(signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('credentials');
    expect((err as UpstreamError).upstreamStatus).toBe(401);
    expect((err as Error).message).toContain('InvalidAuthenticationToken');
    expect((err as Error).message).not.toContain(fake.token);
  });

  it('sends an oauth2 access token as Bearer and retries once with a refreshed token after a 401', async () => {
    const stale: Credentials = { type: 'oauth2', access_token: fake.token, refresh_token: 'r1' };
    const fresh: Credentials = { type: 'oauth2', access_token: 'graph-token-2', refresh_token: 'r2' };
    fake.revokeToken();
    fake.acceptToken('graph-token-2');
    const creds = staticCredentials(stale, fresh);
    const session = await open({}, creds);
    await session.check(signal());
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${fake.token}`, 'Bearer graph-token-2']);
    expect(creds.refreshes).toBe(1);
  });

  it('refuses api_key credentials before any request', async () => {
    const session = await open({}, staticCredentials({ type: 'api_key', api_key: 'k-123456' }));
    await expect(session.check(signal())).rejects.toBeInstanceOf(ValidationError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('teams and channels', () => {
  it('list_joined_teams', async () => {
    const session = await open();
    const r = await call(session, 'list_joined_teams');
    const req = only(fake.requests);
    expect([req.method, req.path, req.query]).toEqual(['GET', '/v1.0/me/joinedTeams', {}]);
    expect(req.headers.authorization).toBe(`Bearer ${fake.token}`);
    const out = structured('list_joined_teams', r);
    expect(out.teams).toEqual([
      { id: TEAM, displayName: 'Engineering', description: 'Platform engineering', isArchived: false },
      { id: '02bd9fd6-8f93-4758-87c3-1fb73740a315', displayName: 'Marketing', description: null, isArchived: true },
    ]);
    expect(textOf(r)).toBe('Joined teams (2):\n- Engineering (team-abc123)\n- Marketing (02bd9fd6-8f93-4758-87c3-1fb73740a315) [archived]');
  });

  it('list_channels uses the configured team by default', async () => {
    const session = await open();
    const r = await call(session, 'list_channels');
    expect(only(fake.requests).path).toBe(`/v1.0/teams/${TEAM}/channels`);
    const out = structured('list_channels', r);
    expect(out.team_id).toBe(TEAM);
    expect((out.channels as { id: string; membershipType: string }[]).map((c) => [c.id, c.membershipType])).toEqual([
      [CHANNEL, 'standard'],
      ['19:ops-private@thread.tacv2', 'private'],
    ]);
    expect(textOf(r)).toContain('- Ops (19:ops-private@thread.tacv2) [private]');
  });

  it('list_channels for another team, and a missing team as a not_found error', async () => {
    const session = await open();
    const r = await call(session, 'list_channels', { team_id: '02bd9fd6-8f93-4758-87c3-1fb73740a315' });
    expect(structured('list_channels', r).team_id).toBe('02bd9fd6-8f93-4758-87c3-1fb73740a315');
    const err = await call(session, 'list_channels', { team_id: 'no-such-team' }).catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('not_found');
    expect((err as Error).message).toContain('No team found');
  });
});

describe('channel messages', () => {
  it('list_channel_messages: $top, newest first, HTML kept and turned into plain text', async () => {
    const session = await open();
    const r = await call(session, 'list_channel_messages');
    const req = only(fake.requests);
    expect([req.method, req.path, req.query]).toEqual(['GET', `/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages`, { $top: '20' }]);
    const out = structured('list_channel_messages', r);
    const messages = out.messages as { text: string; body: { contentType: string; content: string }; from: { displayName: string }; subject: string | null; replyToId: string | null }[];
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatchObject({ text: 'Lunch at noon?', body: { contentType: 'text', content: 'Lunch at noon?' }, from: { displayName: 'Adele Vance' } });
    expect(messages[1]!.text).toBe('Megan Bowen can you check the <config> file?');
    expect(messages[2]).toMatchObject({
      subject: 'Release 1.2',
      replyToId: null,
      text: 'Deploy is done & verified ✅',
      body: { contentType: 'html', content: '<p>Deploy is <b>done</b> &amp; verified&nbsp;&#x2705;</p>' },
    });
    expect(out.has_more).toBe(false);
    const text = textOf(r);
    expect(text).toContain(`Messages in channel ${CHANNEL} (3):`);
    expect(text).toContain('Adele Vance: [Release 1.2] Deploy is done & verified ✅');
    expect(text).not.toMatch(/<\/?(p|b|div|at)\b/);
  });

  it('follows @odata.nextLink across pages up to the limit', async () => {
    await fake.close();
    fake = await startFakeTeams({ maxPageSize: 4 });
    fake.seedMessages({ teamId: TEAM, channelId: CHANNEL }, 7); // 10 messages in all
    const session = await open();
    const all = await call(session, 'list_channel_messages', { limit: 10 });
    expect(fake.requests.map((r) => r.query.$top)).toEqual(['10', '10', '10']);
    expect(fake.requests[0]!.query.$skiptoken).toBeUndefined();
    expect(fake.requests[1]!.query.$skiptoken).toBeDefined();
    expect(fake.requests[2]!.query.$skiptoken).toBeDefined();
    expect(new Set(fake.requests.map((r) => r.path))).toEqual(new Set([`/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages`]));
    const out = structured('list_channel_messages', all);
    const texts = (out.messages as { text: string }[]).map((m) => m.text);
    expect(texts).toHaveLength(10);
    expect(texts.slice(0, 3)).toEqual(['Seeded message 7', 'Seeded message 6', 'Seeded message 5']);
    expect(texts.at(-1)).toBe('Deploy is done & verified ✅');
    expect(out.has_more).toBe(false);

    fake.requests.length = 0;
    const some = await call(session, 'list_channel_messages', { limit: 5 });
    expect(fake.requests).toHaveLength(2);
    expect(structured('list_channel_messages', some).has_more).toBe(true);
    expect(textOf(some)).toContain('More messages exist');
  });

  it('stops after 10 pages however many items were asked for', async () => {
    await fake.close();
    fake = await startFakeTeams({ maxPageSize: 1 });
    fake.seedMessages({ teamId: TEAM, channelId: CHANNEL }, 12);
    const session = await open();
    const r = await call(session, 'list_channel_messages', { limit: 50 });
    expect(fake.requests).toHaveLength(10);
    const out = structured('list_channel_messages', r);
    expect((out.messages as unknown[]).length).toBe(10);
    expect(out.has_more).toBe(true);
  });

  it('get_message_replies', async () => {
    const root = fake.state.teams[0]!.channels[0]!.messages[0]!.id;
    const session = await open();
    const r = await call(session, 'get_message_replies', { message_id: root, limit: 10 });
    const req = only(fake.requests);
    expect([req.method, req.path, req.query]).toEqual(['GET', `/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages/${root}/replies`, { $top: '10' }]);
    const out = structured('get_message_replies', r);
    expect(out.message_id).toBe(root);
    const replies = out.replies as { text: string; replyToId: string }[];
    expect(replies.map((m) => m.text)).toEqual(['Thanks, rolling out to EU next.', 'Great work!']);
    expect(replies.every((m) => m.replyToId === root)).toBe(true);
    expect(textOf(r)).toContain('Megan Bowen: Thanks, rolling out to EU next.');
  });

  it('send_channel_message posts {body: {contentType, content}} and the message shows up in the list', async () => {
    const session = await open();
    const r = await call(session, 'send_channel_message', { content: 'Build 42 is green', subject: 'CI' });
    const req = only(fake.requests);
    expect([req.method, req.path]).toEqual(['POST', `/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages`]);
    expect(req.body).toEqual({ subject: 'CI', body: { contentType: 'text', content: 'Build 42 is green' } });
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.headers.authorization).toBe(`Bearer ${fake.token}`);
    const out = structured('send_channel_message', r);
    const message = out.message as { id: string; text: string; from: { displayName: string }; webUrl: string };
    expect(message).toMatchObject({ text: 'Build 42 is green', from: { displayName: 'Megan Bowen' } });
    expect(textOf(r)).toBe(`Posted message ${message.id} in channel ${CHANNEL}: ${message.webUrl}`);

    const list = await call(session, 'list_channel_messages', { limit: 1 });
    expect((structured('list_channel_messages', list).messages as { id: string }[])[0]!.id).toBe(message.id);
  });

  it('reply_to_message posts an HTML reply into the thread', async () => {
    const root = fake.state.teams[0]!.channels[0]!.messages[0]!.id;
    const session = await open();
    const r = await call(session, 'reply_to_message', { message_id: root, content: '<p>Nice &amp; quick</p>', content_type: 'html' });
    const req = only(fake.requests);
    expect([req.method, req.path]).toEqual(['POST', `/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages/${root}/replies`]);
    expect(req.body).toEqual({ body: { contentType: 'html', content: '<p>Nice &amp; quick</p>' } });
    const out = structured('reply_to_message', r);
    expect(out.reply).toMatchObject({ replyToId: root, text: 'Nice & quick', body: { contentType: 'html', content: '<p>Nice &amp; quick</p>' } });
    expect(fake.state.replies.get(root)).toHaveLength(3);
  });

  it('encodes channel ids with : and @ as one path segment', async () => {
    const session = await open({ channel_id: '19:ops-private@thread.tacv2' });
    await call(session, 'list_channel_messages');
    const req = only(fake.requests);
    expect(req.rawPath).toBe(`/v1.0/teams/${TEAM}/channels/19%3Aops-private%40thread.tacv2/messages`);
    expect(req.path).toBe(`/v1.0/teams/${TEAM}/channels/19:ops-private@thread.tacv2/messages`);
  });
});

describe('chats', () => {
  it('list_chats without and with members', async () => {
    const session = await open();
    const plain = await call(session, 'list_chats');
    expect(only(fake.requests).query).toEqual({ $top: '20' });
    const chats = structured('list_chats', plain).chats as { id: string; chatType: string; members?: unknown }[];
    expect(chats.map((c) => c.chatType)).toEqual(['meeting', 'oneOnOne', 'group']);
    expect(chats.every((c) => c.members === undefined)).toBe(true);
    expect(textOf(plain)).toContain('- Weekly sync (19:meeting_');

    fake.requests.length = 0;
    const withMembers = await call(session, 'list_chats', { include_members: true, limit: 2 });
    const req = only(fake.requests);
    expect([req.method, req.path, req.query]).toEqual(['GET', '/v1.0/me/chats', { $top: '2', $expand: 'members' }]);
    const out = structured('list_chats', withMembers);
    const group = await call(session, 'list_chats', { include_members: true, limit: 3 });
    const groupChat = (structured('list_chats', group).chats as { id: string; members: { displayName: string; email: string }[] }[]).find((c) => c.id === GROUP_CHAT)!;
    expect(groupChat.members.map((m) => m.displayName)).toEqual(['Megan Bowen', 'Adele Vance', 'Alex Wilber']);
    expect(out.has_more).toBe(true);
    expect(textOf(withMembers)).toContain('with Megan Bowen, Adele Vance');
  });

  it('list_chat_messages', async () => {
    const session = await open();
    const r = await call(session, 'list_chat_messages', { chat_id: GROUP_CHAT });
    const req = only(fake.requests);
    expect([req.method, req.path, req.query]).toEqual(['GET', `/v1.0/chats/${GROUP_CHAT}/messages`, { $top: '20' }]);
    const out = structured('list_chat_messages', r);
    expect((out.messages as { text: string }[]).map((m) => m.text)).toEqual(['I will bring the slides', 'Agenda: pricing & dates']);
    expect(textOf(r)).toContain('Alex Wilber: Agenda: pricing & dates');
  });

  it('send_chat_message', async () => {
    const session = await open();
    const r = await call(session, 'send_chat_message', { chat_id: GROUP_CHAT, content: 'See you there' });
    const req = only(fake.requests);
    expect([req.method, req.path]).toEqual(['POST', `/v1.0/chats/${GROUP_CHAT}/messages`]);
    expect(req.body).toEqual({ body: { contentType: 'text', content: 'See you there' } });
    const out = structured('send_chat_message', r);
    expect(out).toMatchObject({ chat_id: GROUP_CHAT, message: { text: 'See you there', from: { displayName: 'Megan Bowen' } } });
    expect(fake.state.chats[0]!.messages.at(-1)!.body.content).toBe('See you there');
  });
});

describe('refusals before any request', () => {
  it('names the missing team_id or channel_id', async () => {
    const bare = await open({ team_id: undefined, channel_id: undefined });
    const noTeam = await call(bare, 'list_channels');
    expect(noTeam.isError).toBe(true);
    expect(textOf(noTeam)).toContain('team_id is required');
    const noChannel = await call(bare, 'list_channel_messages', { team_id: TEAM });
    expect(textOf(noChannel)).toContain('channel_id is required');

    // The configured channel belongs to the configured team: another team needs its own channel.
    const configured = await open();
    const other = await call(configured, 'send_channel_message', { team_id: '02bd9fd6-8f93-4758-87c3-1fb73740a315', content: 'hi' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain(`configured channel_id belongs to team ${TEAM}`);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ['list_channel_messages', { limit: 0 }, 'limit'],
    ['list_channel_messages', { limit: 201 }, 'limit'],
    ['get_message_replies', {}, 'message_id'],
    ['send_channel_message', { content: '   ' }, 'content'],
    ['send_channel_message', { content: 'x', content_type: 'markdown' }, 'content_type'],
    ['send_chat_message', { chat_id: '../me', content: 'x' }, 'chat_id'],
    ['list_chats', { expand: 'members' }, 'expand'],
    ['reply_to_message', { message_id: '1?x', content: 'x' }, 'message_id'],
  ])('%s %j → isError naming %s', async (tool, args, field) => {
    const session = await open();
    const r = await call(session, tool, args);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain(field);
    expect(fake.requests).toHaveLength(0);
  });

  it('read_only hides and refuses the send tools', async () => {
    const session = await open({ read_only: true });
    const names = (await session.listTools(signal())).map((t) => t.name);
    expect(names).toEqual(['list_joined_teams', 'list_channels', 'list_channel_messages', 'get_message_replies', 'list_chats', 'list_chat_messages']);
    for (const [tool, args] of [
      ['send_channel_message', { content: 'x' }],
      ['reply_to_message', { message_id: '1', content: 'x' }],
      ['send_chat_message', { chat_id: GROUP_CHAT, content: 'x' }],
    ] as const) {
      const r = await call(session, tool, args);
      expect(r.isError).toBe(true);
      expect(textOf(r)).toContain('read-only');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('unknown tool', async () => {
    const r = await call(await open(), 'delete_team');
    expect(r.isError).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('throttling and failures', () => {
  it('a GET throttled with 429 + Retry-After is retried and succeeds', async () => {
    fake.inject({ status: 429, retryAfter: 1, pathPrefix: '/me/joinedTeams' });
    const session = await open();
    const r = await call(session, 'list_joined_teams');
    expect(fake.requests.map((q) => q.path)).toEqual(['/v1.0/me/joinedTeams', '/v1.0/me/joinedTeams']);
    expect((structured('list_joined_teams', r).teams as unknown[]).length).toBe(2);
  });

  it('a send throttled with 429 is sent again (Graph did not process it) and posted exactly once', async () => {
    fake.inject({ status: 429, retryAfter: 1, method: 'POST' });
    const session = await open();
    const before = fake.state.chats[0]!.messages.length;
    const r = await call(session, 'send_chat_message', { chat_id: GROUP_CHAT, content: 'after the throttle' });
    expect(fake.requests.map((q) => q.method)).toEqual(['POST', 'POST']);
    expect(structured('send_chat_message', r)).toMatchObject({ message: { text: 'after the throttle' } });
    expect(fake.state.chats[0]!.messages.length).toBe(before + 1);
  });

  it('a send that fails with 500 is not repeated (it might have been posted)', async () => {
    fake.inject({ status: 500, method: 'POST' });
    const session = await open();
    const err = await call(session, 'send_channel_message', { content: 'maybe' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('server');
    expect(fake.requests).toHaveLength(1);
  });

  it('a GET answered 502 is retried', async () => {
    fake.inject({ status: 502, count: 2 });
    const session = await open();
    const r = await call(session, 'list_chats');
    expect(fake.requests).toHaveLength(3);
    expect(r.isError ?? false).toBe(false);
  });

  it('the fake answers a message without body.content with Graph\'s 400, surfaced as a validation error', async () => {
    const client = http.create({
      baseUrl: fake.url,
      auth: { source: staticCredentials({ type: 'bearer', token: fake.token }), apply: (c) => ({ Authorization: `Bearer ${c.type === 'bearer' ? c.token : ''}` }) },
      network: { allowLoopback: true, allowPrivate: false },
      serviceName: 'Microsoft Teams',
    });
    const err = await client.request({ method: 'POST', path: `/chats/${encodeURIComponent(GROUP_CHAT)}/messages`, json: { body: { contentType: 'text' } } }).catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('validation');
    expect((err as Error).message).toContain('Missing body content');
  });
});

describe('htmlToText', () => {
  it.each([
    ['<p>a</p><p>b</p>', 'a\nb'],
    ['line<br>break<br/>again', 'line\nbreak\nagain'],
    ['<at id="0">Adele Vance</at>&nbsp;hi', 'Adele Vance hi'],
    ['&lt;b&gt; &amp;amp; &#39;q&#39; &#x1F600; &bogus;', "<b> &amp; 'q' 😀 &bogus;"],
    ['<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['<style>p{color:red}</style><script>alert(1)</script>ok', 'ok'],
    ['&#xD800; &#99999999;', '&#xD800; &#99999999;'],
  ])('%j → %j', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  it('never throws and trims its output', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = htmlToText(s);
        expect(out).toBe(out.trim());
      }),
    );
  });
});
