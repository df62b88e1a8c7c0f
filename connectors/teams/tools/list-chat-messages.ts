import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { GRAPH_MAX_TOP, listAll, seg } from '../graph.js';
import { GraphChatMessageSchema, MessageSchema, summarizeMessages, toMessage } from '../messages.js';
import { chatIdArg, limitArg } from '../target.js';

export const listChatMessages = defineTool({
  name: 'list_chat_messages',
  title: 'List chat messages',
  description:
    'Lists the messages of a one-on-one, group or meeting chat, most recent first (GET /chats/{chat-id}/messages with ' +
    '$top, following @odata.nextLink until `limit` messages or 10 pages). Returns each message’s id, sender, time, body ' +
    '(as sent and as plain text) and web URL; has_more tells whether older messages exist.',
  input: z.strictObject({ chat_id: chatIdArg, limit: limitArg(20, 200, 'messages') }),
  output: z.object({ chat_id: z.string(), messages: z.array(MessageSchema), has_more: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, signal }: ToolContext<TeamsConfig>) {
    const page = await listAll(
      http,
      { path: `/chats/${seg(args.chat_id)}/messages`, query: { $top: Math.min(args.limit, GRAPH_MAX_TOP) } },
      GraphChatMessageSchema,
      args.limit,
      signal,
    );
    const messages = page.items.map(toMessage);
    return {
      text: summarizeMessages(messages, `Messages in chat ${args.chat_id}`, page.hasMore),
      structured: { chat_id: args.chat_id, messages, has_more: page.hasMore },
    };
  },
});
