import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { GRAPH_MAX_TOP, listAll, seg } from '../graph.js';
import { GraphChatMessageSchema, MessageSchema, summarizeMessages, toMessage } from '../messages.js';
import { channelIdArg, limitArg, messageIdArg, resolveChannel, teamIdArg } from '../target.js';

export const getMessageReplies = defineTool({
  name: 'get_message_replies',
  title: 'Get replies to a channel message',
  description:
    'Lists the replies to one top-level channel message (GET /teams/{team-id}/channels/{channel-id}/messages/{message-id}/replies ' +
    'with $top, following @odata.nextLink until `limit` replies or 10 pages). team_id and channel_id default to the configured ' +
    'ones. Returns each reply’s id, sender, time, body (as sent and as plain text) and web URL.',
  input: z.strictObject({
    message_id: messageIdArg,
    team_id: teamIdArg,
    channel_id: channelIdArg,
    limit: limitArg(50, 500, 'replies'),
  }),
  output: z.object({ team_id: z.string(), channel_id: z.string(), message_id: z.string(), replies: z.array(MessageSchema), has_more: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<TeamsConfig>) {
    const { team, channel } = resolveChannel(args, config);
    const page = await listAll(
      http,
      {
        path: `/teams/${seg(team)}/channels/${seg(channel)}/messages/${seg(args.message_id)}/replies`,
        query: { $top: Math.min(args.limit, GRAPH_MAX_TOP) },
      },
      GraphChatMessageSchema,
      args.limit,
      signal,
    );
    const replies = page.items.map(toMessage);
    return {
      text: summarizeMessages(replies, `Replies to message ${args.message_id}`, page.hasMore),
      structured: { team_id: team, channel_id: channel, message_id: args.message_id, replies, has_more: page.hasMore },
    };
  },
});
