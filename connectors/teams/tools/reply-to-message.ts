import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { parseGraph, postMessage, seg } from '../graph.js';
import { GraphChatMessageSchema, MessageSchema, messageBody, toMessage } from '../messages.js';
import { channelIdArg, contentArgs, messageIdArg, resolveChannel, teamIdArg } from '../target.js';

export const replyToMessage = defineTool({
  name: 'reply_to_message',
  title: 'Reply to a channel message',
  description:
    'Posts a reply in the thread of a top-level channel message as the signed-in user ' +
    '(POST /teams/{team-id}/channels/{channel-id}/messages/{message-id}/replies with {body: {contentType, content}}). ' +
    'team_id and channel_id default to the configured ones; content_type is text unless html is given. A throttled ' +
    'send (429) is sent again after Retry-After; other failures are not retried. Returns the created reply (id, web URL).',
  input: z.strictObject({ message_id: messageIdArg, ...contentArgs, team_id: teamIdArg, channel_id: channelIdArg }),
  output: z.object({ team_id: z.string(), channel_id: z.string(), message_id: z.string(), reply: MessageSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<TeamsConfig>) {
    const { team, channel } = resolveChannel(args, config);
    const path = `/teams/${seg(team)}/channels/${seg(channel)}/messages/${seg(args.message_id)}/replies`;
    const data = await postMessage(http, path, messageBody(args.content, args.content_type), signal);
    const reply = toMessage(parseGraph(GraphChatMessageSchema, data, path));
    return {
      text: `Replied to message ${args.message_id} with ${reply.id}${reply.webUrl ? `: ${reply.webUrl}` : '.'}`,
      structured: { team_id: team, channel_id: channel, message_id: args.message_id, reply },
    };
  },
});
