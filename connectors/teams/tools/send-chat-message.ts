import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { parseGraph, postMessage, seg } from '../graph.js';
import { GraphChatMessageSchema, MessageSchema, messageBody, toMessage } from '../messages.js';
import { chatIdArg, contentArgs } from '../target.js';

export const sendChatMessage = defineTool({
  name: 'send_chat_message',
  title: 'Send a chat message',
  description:
    'Sends a message in an existing one-on-one, group or meeting chat as the signed-in user ' +
    '(POST /chats/{chat-id}/messages with {body: {contentType, content}}); content_type is text unless html is given. ' +
    'A throttled send (429) is sent again after Retry-After; other failures are not retried, so a message is never ' +
    'sent twice. Returns the created message (id, web URL).',
  input: z.strictObject({ chat_id: chatIdArg, ...contentArgs }),
  output: z.object({ chat_id: z.string(), message: MessageSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, signal }: ToolContext<TeamsConfig>) {
    const path = `/chats/${seg(args.chat_id)}/messages`;
    const data = await postMessage(http, path, messageBody(args.content, args.content_type), signal);
    const message = toMessage(parseGraph(GraphChatMessageSchema, data, path));
    return {
      text: `Sent message ${message.id} in chat ${args.chat_id}${message.webUrl ? `: ${message.webUrl}` : '.'}`,
      structured: { chat_id: args.chat_id, message },
    };
  },
});
