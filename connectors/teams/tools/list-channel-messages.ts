import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { GRAPH_MAX_TOP, listAll, seg } from '../graph.js';
import { GraphChatMessageSchema, MessageSchema, summarizeMessages, toMessage } from '../messages.js';
import { channelIdArg, limitArg, resolveChannel, teamIdArg } from '../target.js';

export const listChannelMessages = defineTool({
  name: 'list_channel_messages',
  title: 'List channel messages',
  description:
    'Lists the top-level messages (thread starters, without their replies) of a Teams channel, most recent first ' +
    '(GET /teams/{team-id}/channels/{channel-id}/messages with $top, following @odata.nextLink until `limit` messages ' +
    'or 10 pages). team_id and channel_id default to the configured ones. Returns each message’s id (usable as ' +
    'message_id for replies), sender, time, subject, body as Graph sent it (often HTML) and as plain text, and web URL; ' +
    'has_more tells whether older messages exist.',
  input: z.strictObject({ team_id: teamIdArg, channel_id: channelIdArg, limit: limitArg(20, 200, 'messages') }),
  output: z.object({ team_id: z.string(), channel_id: z.string(), messages: z.array(MessageSchema), has_more: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<TeamsConfig>) {
    const { team, channel } = resolveChannel(args, config);
    const page = await listAll(
      http,
      { path: `/teams/${seg(team)}/channels/${seg(channel)}/messages`, query: { $top: Math.min(args.limit, GRAPH_MAX_TOP) } },
      GraphChatMessageSchema,
      args.limit,
      signal,
    );
    const messages = page.items.map(toMessage);
    return {
      text: summarizeMessages(messages, `Messages in channel ${channel}`, page.hasMore),
      structured: { team_id: team, channel_id: channel, messages, has_more: page.hasMore },
    };
  },
});
