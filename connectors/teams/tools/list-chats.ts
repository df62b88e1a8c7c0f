import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { GRAPH_MAX_TOP, listAll } from '../graph.js';
import { limitArg } from '../target.js';

const GraphMember = z.object({
  id: z.string().nullish(),
  displayName: z.string().nullish(),
  userId: z.string().nullish(),
  email: z.string().nullish(),
});
const GraphChat = z.object({
  id: z.string(),
  topic: z.string().nullish(),
  chatType: z.string().nullish(),
  createdDateTime: z.string().nullish(),
  lastUpdatedDateTime: z.string().nullish(),
  webUrl: z.string().nullish(),
  members: z.array(GraphMember).nullish(),
});
const Member = z.object({ displayName: z.string().nullable(), userId: z.string().nullable(), email: z.string().nullable() });
const Chat = z.object({
  id: z.string(),
  topic: z.string().nullable(),
  chatType: z.string().nullable(),
  createdDateTime: z.string().nullable(),
  lastUpdatedDateTime: z.string().nullable(),
  webUrl: z.string().nullable(),
  members: z.array(Member).optional(),
});
type Chat = z.infer<typeof Chat>;

export const listChats = defineTool({
  name: 'list_chats',
  title: 'List my chats',
  description:
    'Lists the one-on-one, group and meeting chats the signed-in user is part of (GET /me/chats with $top, following ' +
    '@odata.nextLink until `limit` chats or 10 pages). With include_members: true it adds $expand=members and returns ' +
    'each chat’s members (name, user id, email). Returns each chat’s id (usable as chat_id), topic, type, times and web URL.',
  input: z.strictObject({
    include_members: z.boolean({ error: 'must be true or false' }).default(false).describe('Also return the members of each chat.'),
    limit: limitArg(20, 200, 'chats'),
  }),
  output: z.object({ chats: z.array(Chat), has_more: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, signal }: ToolContext<TeamsConfig>) {
    const query = { $top: Math.min(args.limit, GRAPH_MAX_TOP), ...(args.include_members ? { $expand: 'members' } : {}) };
    const page = await listAll(http, { path: '/me/chats', query }, GraphChat, args.limit, signal);
    const chats: Chat[] = page.items.map((c) => ({
      id: c.id,
      topic: c.topic ?? null,
      chatType: c.chatType ?? null,
      createdDateTime: c.createdDateTime ?? null,
      lastUpdatedDateTime: c.lastUpdatedDateTime ?? null,
      webUrl: c.webUrl ?? null,
      ...(args.include_members
        ? { members: (c.members ?? []).map((m) => ({ displayName: m.displayName ?? null, userId: m.userId ?? null, email: m.email ?? null })) }
        : {}),
    }));
    return { text: summarize(chats, page.hasMore), structured: { chats, has_more: page.hasMore } };
  },
});

function summarize(chats: readonly Chat[], hasMore: boolean): string {
  if (chats.length === 0) return 'You have no chats.';
  const lines = chats.map((c) => {
    const people = c.members ? ` with ${c.members.map((m) => m.displayName ?? m.email ?? '?').join(', ')}` : '';
    return `- ${c.topic ?? `(${c.chatType ?? 'chat'})`} (${c.id})${people}`;
  });
  return `Chats (${chats.length}):\n${lines.join('\n')}${hasMore ? '\nMore chats exist beyond these.' : ''}`;
}
