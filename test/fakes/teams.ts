/**
 * A Microsoft Graph v1.0 fake for the Teams connector: a real loopback HTTP server speaking the
 * documented shapes (https://learn.microsoft.com/graph/api/resources/chatmessage, …/channel,
 * …/chat, …/team; errors per https://learn.microsoft.com/graph/errors; paging per
 * https://learn.microsoft.com/graph/paging; throttling per
 * https://learn.microsoft.com/graph/throttling). Served under `/v1.0`, like Graph itself.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface GraphIdentity {
  id: string;
  displayName: string;
  email: string;
}

export interface GraphChatMessage {
  id: string;
  replyToId: string | null;
  messageType: 'message' | 'systemEventMessage';
  createdDateTime: string;
  subject: string | null;
  from: { user: { id: string; displayName: string; userIdentityType: 'aadUser' }; application: null; device: null } | null;
  body: { contentType: 'text' | 'html'; content: string };
  webUrl: string;
  channelIdentity?: { teamId: string; channelId: string };
  chatId?: string;
}

export interface FakeChannel {
  id: string;
  displayName: string;
  description: string | null;
  membershipType: 'standard' | 'private' | 'shared';
  /** Oldest first; listed newest first, as Teams does. */
  messages: GraphChatMessage[];
}

export interface FakeTeam {
  id: string;
  displayName: string;
  description: string | null;
  isArchived: boolean;
  channels: FakeChannel[];
}

export interface FakeChat {
  id: string;
  topic: string | null;
  chatType: 'oneOnOne' | 'group' | 'meeting';
  createdDateTime: string;
  members: GraphIdentity[];
  messages: GraphChatMessage[];
}

export interface TeamsFakeState {
  me: GraphIdentity;
  teams: FakeTeam[];
  chats: FakeChat[];
  /** Replies by the id of their top-level channel message, oldest first. */
  replies: Map<string, GraphChatMessage[]>;
}

export interface RecordedRequest {
  method: string;
  /** Decoded path, e.g. `/v1.0/teams/team-abc123/channels/19:x@thread.tacv2/messages`. */
  path: string;
  /** The path exactly as it arrived (percent-encoding kept). */
  rawPath: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export interface Fault {
  status: 429 | 500 | 502 | 503;
  /** How many of the next matching requests fail (default 1). */
  count?: number;
  /** Retry-After in seconds on 429/503 (default 1). */
  retryAfter?: number;
  method?: string;
  /** Only requests whose decoded path (after /v1.0) starts with this. */
  pathPrefix?: string;
}

export interface TeamsFakeOptions {
  token?: string;
  /** Graph's server-side page size cap: pages never hold more, whatever `$top` says. */
  maxPageSize?: number;
}

export interface TeamsFake {
  url: string;
  token: string;
  requests: RecordedRequest[];
  state: TeamsFakeState;
  inject(fault: Fault): void;
  revokeToken(token?: string): void;
  acceptToken(token: string): void;
  /** Appends `count` plain messages to a channel or chat (for paging tests); returns their ids. */
  seedMessages(target: { teamId: string; channelId: string } | { chatId: string }, count: number): string[];
  close(): Promise<void>;
}

const ME: GraphIdentity = { id: '48d31887-5fad-4d73-a9f5-3c356e68a038', displayName: 'Megan Bowen', email: 'MeganB@contoso.com' };
const ADELE: GraphIdentity = { id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', displayName: 'Adele Vance', email: 'AdeleV@contoso.com' };
const ALEX: GraphIdentity = { id: '5bde3e51-d13b-4db1-9948-fe4b109d11a7', displayName: 'Alex Wilber', email: 'AlexW@contoso.com' };

const MESSAGES_MAX_TOP = 50;
const DEFAULT_PAGE = 20;

export async function startFakeTeams(opts: TeamsFakeOptions = {}): Promise<TeamsFake> {
  const token = opts.token ?? 'graph-token-1';
  const maxPageSize = opts.maxPageSize ?? MESSAGES_MAX_TOP;
  const valid = new Set([token]);
  const revoked = new Set<string>();
  const faults: (Fault & { left: number })[] = [];
  const requests: RecordedRequest[] = [];
  let clock = Date.parse('2024-05-01T09:00:00Z');
  const nextId = () => String((clock += 60_000));

  const state = seed();
  let origin = '';

  const message = (author: GraphIdentity, content: string, contentType: 'text' | 'html', where: { teamId: string; channelId: string } | { chatId: string }, extra: { replyToId?: string; subject?: string } = {}): GraphChatMessage => {
    const id = nextId();
    const channel = 'channelId' in where;
    return {
      id,
      replyToId: extra.replyToId ?? null,
      messageType: 'message',
      createdDateTime: new Date(clock).toISOString(),
      subject: extra.subject ?? null,
      from: { user: { id: author.id, displayName: author.displayName, userIdentityType: 'aadUser' }, application: null, device: null },
      body: { contentType, content },
      webUrl: channel
        ? `https://teams.microsoft.com/l/message/${encodeURIComponent(where.channelId)}/${id}?groupId=${where.teamId}&parentMessageId=${extra.replyToId ?? id}`
        : `https://teams.microsoft.com/l/message/${encodeURIComponent(where.chatId)}/${id}?context=%7B%22contextType%22%3A%22chat%22%7D`,
      ...(channel ? { channelIdentity: { teamId: where.teamId, channelId: where.channelId } } : { chatId: where.chatId }),
    };
  };

  function seed(): TeamsFakeState {
    const s: TeamsFakeState = { me: ME, teams: [], chats: [], replies: new Map() };
    const general: FakeChannel = { id: 'channel-xyz789', displayName: 'General', description: 'Engineering-wide announcements', membershipType: 'standard', messages: [] };
    const ops: FakeChannel = { id: '19:ops-private@thread.tacv2', displayName: 'Ops', description: null, membershipType: 'private', messages: [] };
    s.teams.push({ id: 'team-abc123', displayName: 'Engineering', description: 'Platform engineering', isArchived: false, channels: [general, ops] });
    s.teams.push({
      id: '02bd9fd6-8f93-4758-87c3-1fb73740a315',
      displayName: 'Marketing',
      description: null,
      isArchived: true,
      channels: [{ id: '19:marketing-general@thread.tacv2', displayName: 'General', description: null, membershipType: 'standard', messages: [] }],
    });
    return s;
  }

  function seedContent(): void {
    const where = { teamId: 'team-abc123', channelId: 'channel-xyz789' };
    const general = state.teams[0]!.channels[0]!;
    const release = message(ADELE, '<p>Deploy is <b>done</b> &amp; verified&nbsp;&#x2705;</p>', 'html', where, { subject: 'Release 1.2' });
    general.messages.push(
      release,
      message(ALEX, '<div><at id="0">Megan Bowen</at> can you check the &lt;config&gt; file?</div>', 'html', where),
      message(ADELE, 'Lunch at noon?', 'text', where),
    );
    state.replies.set(release.id, [
      message(ALEX, '<p>Great work!</p>', 'html', where, { replyToId: release.id }),
      message(ME, 'Thanks, rolling out to EU next.', 'text', where, { replyToId: release.id }),
    ]);
    const groupId = '19:2da4c29f6d7041eca70b638b43d45437@thread.v2';
    const oneOnOneId = `19:${ME.id}_${ADELE.id}@unq.gbl.spaces`;
    state.chats.push(
      { id: groupId, topic: 'Launch planning', chatType: 'group', createdDateTime: '2024-04-02T10:00:00Z', members: [ME, ADELE, ALEX], messages: [] },
      { id: oneOnOneId, topic: null, chatType: 'oneOnOne', createdDateTime: '2024-04-03T10:00:00Z', members: [ME, ADELE], messages: [] },
      { id: '19:meeting_MjdhNjM4YzUtYzExZi00OTFk@thread.v2', topic: 'Weekly sync', chatType: 'meeting', createdDateTime: '2024-04-04T10:00:00Z', members: [ME, ALEX], messages: [] },
    );
    state.chats[0]!.messages.push(
      message(ALEX, '<p>Agenda: <i>pricing</i> &amp; dates</p>', 'html', { chatId: groupId }),
      message(ADELE, 'I will bring the slides', 'text', { chatId: groupId }),
    );
    state.chats[1]!.messages.push(message(ADELE, 'Ping me when free', 'text', { chatId: oneOnOneId }));
  }
  seedContent();

  // ---- responses -------------------------------------------------------------------------------

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, {
      'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
      'request-id': randomUUID(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const graphError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void =>
    send(res, status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } }, headers);

  /** `$top` + `$skiptoken` paging; the nextLink is absolute and repeats the query, as Graph's does. */
  const page = <T>(res: ServerResponse, req: RecordedRequest, context: string, all: readonly T[], maxTop: number | undefined): void => {
    const top = req.query.$top === undefined ? undefined : Number(req.query.$top);
    if (top !== undefined && (!Number.isInteger(top) || top < 1 || (maxTop !== undefined && top > maxTop))) {
      return graphError(res, 400, 'BadRequest', `Invalid page size specified: '${req.query.$top}'. Must be between 1 and ${maxTop ?? 999} inclusive.`);
    }
    const offset = req.query.$skiptoken ? Number(Buffer.from(req.query.$skiptoken, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return graphError(res, 400, 'BadRequest', 'Invalid skip token.');
    const size = Math.min(top ?? (maxTop === undefined ? all.length : DEFAULT_PAGE), maxPageSize);
    const value = all.slice(offset, offset + size);
    const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#${context}`, value };
    if (offset + size < all.length) {
      const q = new URLSearchParams({ ...req.query, $skiptoken: Buffer.from(String(offset + size)).toString('base64url') });
      body['@odata.nextLink'] = `${origin}${req.rawPath}?${q.toString()}`;
    }
    send(res, 200, body);
  };

  const publicChat = (c: FakeChat, expandMembers: boolean) => ({
    id: c.id,
    topic: c.topic,
    createdDateTime: c.createdDateTime,
    lastUpdatedDateTime: c.messages.at(-1)?.createdDateTime ?? c.createdDateTime,
    chatType: c.chatType,
    webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(c.id)}/0?tenantId=dcd219dd-bc68-4b9b-bf0b-4a33a796be35`,
    tenantId: 'dcd219dd-bc68-4b9b-bf0b-4a33a796be35',
    ...(expandMembers
      ? {
          'members@odata.context': `${origin}/v1.0/$metadata#chats('${c.id}')/members`,
          members: c.members.map((m) => ({
            '@odata.type': '#microsoft.graph.aadUserConversationMember',
            id: Buffer.from(`${c.id}#${m.id}`).toString('base64'),
            roles: ['owner'],
            displayName: m.displayName,
            visibleHistoryStartDateTime: '0001-01-01T00:00:00Z',
            userId: m.id,
            email: m.email,
            tenantId: 'dcd219dd-bc68-4b9b-bf0b-4a33a796be35',
          })),
        }
      : {}),
  });

  /** Graph's rules for a new chatMessage: `body.content` is required, contentType is text or html. */
  const newMessageBody = (res: ServerResponse, body: unknown): { content: string; contentType: 'text' | 'html'; subject?: string } | undefined => {
    const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const inner = typeof b.body === 'object' && b.body !== null ? (b.body as Record<string, unknown>) : undefined;
    if (!inner || typeof inner.content !== 'string' || inner.content === '') {
      graphError(res, 400, 'BadRequest', 'Missing body content');
      return undefined;
    }
    const ct = inner.contentType ?? 'text';
    if (ct !== 'text' && ct !== 'html') {
      graphError(res, 400, 'BadRequest', `Invalid value '${String(ct)}' for property 'contentType'. Must be 'text' or 'html'.`);
      return undefined;
    }
    return { content: inner.content, contentType: ct, ...(typeof b.subject === 'string' ? { subject: b.subject } : {}) };
  };

  // ---- routing ---------------------------------------------------------------------------------

  function route(req: RecordedRequest, res: ServerResponse): void {
    const segs = req.path.replace(/^\/v1\.0\/?/, '').split('/').filter(Boolean);
    const [a, b, c, d, e, f, g] = segs;
    const get = req.method === 'GET';
    const post = req.method === 'POST';

    if (a === 'me' && segs.length === 1 && get) {
      return send(res, 200, { '@odata.context': `${origin}/v1.0/$metadata#users/$entity`, id: state.me.id, displayName: state.me.displayName, mail: state.me.email, userPrincipalName: state.me.email });
    }
    if (a === 'me' && b === 'joinedTeams' && segs.length === 2 && get) {
      const teams = state.teams.map((t) => ({ id: t.id, displayName: t.displayName, description: t.description, isArchived: t.isArchived, tenantId: 'dcd219dd-bc68-4b9b-bf0b-4a33a796be35' }));
      return page(res, req, 'teams', teams, undefined);
    }
    if (a === 'me' && b === 'chats' && segs.length === 2 && get) {
      const expand = req.query.$expand;
      if (expand !== undefined && !expand.split(',').every((x) => x === 'members' || x === 'lastMessagePreview')) {
        return graphError(res, 400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.chat'.`);
      }
      const chats = [...state.chats].reverse().map((ch) => publicChat(ch, expand?.split(',').includes('members') ?? false));
      return page(res, req, 'chats', chats, MESSAGES_MAX_TOP);
    }
    if (a === 'teams' && b !== undefined) {
      const team = state.teams.find((t) => t.id === b);
      if (!team) return graphError(res, 404, 'NotFound', `No team found with Group Id ${b}`);
      if (c === 'channels' && segs.length === 3 && get) {
        const channels = team.channels.map((ch) => ({
          id: ch.id,
          createdDateTime: '2024-01-01T00:00:00Z',
          displayName: ch.displayName,
          description: ch.description,
          membershipType: ch.membershipType,
          webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(ch.id)}/${encodeURIComponent(ch.displayName)}?groupId=${team.id}`,
        }));
        return page(res, req, `teams('${team.id}')/channels`, channels, undefined);
      }
      const channel = c === 'channels' && d !== undefined ? team.channels.find((ch) => ch.id === d) : undefined;
      if (c === 'channels' && d !== undefined && !channel) return graphError(res, 404, 'NotFound', 'Channel not found');
      if (channel && e === 'messages') {
        const where = { teamId: team.id, channelId: channel.id };
        const context = `teams('${team.id}')/channels('${channel.id}')/messages`;
        if (segs.length === 5 && get) return page(res, req, context, [...channel.messages].reverse(), MESSAGES_MAX_TOP);
        if (segs.length === 5 && post) {
          const m = newMessageBody(res, req.body);
          if (!m) return;
          const created = message(state.me, m.content, m.contentType, where, m.subject !== undefined ? { subject: m.subject } : {});
          channel.messages.push(created);
          return send(res, 201, { '@odata.context': `${origin}/v1.0/$metadata#${context}/$entity`, ...created });
        }
        const root = f !== undefined ? channel.messages.find((m) => m.id === f) : undefined;
        if (f !== undefined && !root) return graphError(res, 404, 'NotFound', `Message ${f} not found`);
        if (root && g === 'replies' && segs.length === 7) {
          const replies = state.replies.get(root.id) ?? [];
          if (get) return page(res, req, `${context}('${root.id}')/replies`, [...replies].reverse(), MESSAGES_MAX_TOP);
          if (post) {
            const m = newMessageBody(res, req.body);
            if (!m) return;
            const created = message(state.me, m.content, m.contentType, where, { replyToId: root.id });
            state.replies.set(root.id, [...replies, created]);
            return send(res, 201, { '@odata.context': `${origin}/v1.0/$metadata#${context}('${root.id}')/replies/$entity`, ...created });
          }
        }
      }
    }
    if (a === 'chats' && b !== undefined && c === 'messages' && segs.length === 3) {
      const chat = state.chats.find((ch) => ch.id === b);
      if (!chat) return graphError(res, 404, 'NotFound', `Chat ${b} not found`);
      const context = `chats('${chat.id}')/messages`;
      if (get) return page(res, req, context, [...chat.messages].reverse(), MESSAGES_MAX_TOP);
      if (post) {
        const m = newMessageBody(res, req.body);
        if (!m) return;
        const created = message(state.me, m.content, m.contentType, { chatId: chat.id });
        chat.messages.push(created);
        return send(res, 201, { '@odata.context': `${origin}/v1.0/$metadata#${context}/$entity`, ...created });
      }
    }
    if (segs.length > 0 && !['me', 'teams', 'chats'].includes(a ?? '')) {
      return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${a}'.`);
    }
    return graphError(res, 405, 'Request_BadRequest', `Specified HTTP method is not allowed for the request target.`);
  }

  // ---- the server ------------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let body: unknown;
    let badJson = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
        body = text;
      }
    }
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      rawPath: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    };
    requests.push(record);

    const graphPath = record.path.replace(/^\/v1\.0/, '');
    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === record.method) && (!f.pathPrefix || graphPath.startsWith(f.pathPrefix)));
    if (fault) {
      fault.left--;
      const retryAfter = { 'Retry-After': String(fault.retryAfter ?? 1) };
      if (fault.status === 429) return graphError(res, 429, 'TooManyRequests', 'Too many requests.', retryAfter);
      if (fault.status === 503) return graphError(res, 503, 'ServiceUnavailable', 'The service is temporarily unavailable.', retryAfter);
      if (fault.status === 502) return graphError(res, 502, 'BadGateway', 'Bad gateway.');
      return graphError(res, 500, 'InternalServerError', 'An internal server error occurred.');
    }

    const challenge = { 'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"' };
    const auth = /^Bearer (.+)$/.exec(headers.authorization ?? '');
    if (!auth) return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
    const presented = auth[1] ?? '';
    if (revoked.has(presented)) return graphError(res, 401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.', challenge);
    if (!valid.has(presented)) return graphError(res, 401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).', challenge);

    if (record.method === 'POST' || record.method === 'PATCH') {
      if (badJson || !(headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
        return graphError(res, 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
      }
    }
    route(record, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) graphError(res, 500, 'InternalServerError', String(e));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/v1.0`,
    token,
    requests,
    state,
    inject(fault) {
      faults.push({ ...fault, left: fault.count ?? 1 });
    },
    revokeToken(t = token) {
      valid.delete(t);
      revoked.add(t);
    },
    acceptToken(t) {
      valid.add(t);
      revoked.delete(t);
    },
    seedMessages(target, count) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        if ('chatId' in target) {
          const chat = state.chats.find((c) => c.id === target.chatId);
          if (!chat) throw new Error(`no chat ${target.chatId}`);
          chat.messages.push(message(ADELE, `Seeded message ${i + 1}`, 'text', target));
          ids.push(chat.messages.at(-1)!.id);
        } else {
          const channel = state.teams.find((t) => t.id === target.teamId)?.channels.find((c) => c.id === target.channelId);
          if (!channel) throw new Error(`no channel ${target.channelId}`);
          channel.messages.push(message(ADELE, `Seeded message ${i + 1}`, 'text', target));
          ids.push(channel.messages.at(-1)!.id);
        }
      }
      return ids;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
