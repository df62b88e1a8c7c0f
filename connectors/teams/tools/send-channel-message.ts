import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { postMessage, seg, parseGraph } from '../graph.js';
import { GraphChatMessageSchema, MessageSchema, messageBody, toMessage } from '../messages.js';
import { channelIdArg, contentArgs, resolveChannel, teamIdArg } from '../target.js';

export const sendChannelMessage = defineTool({
  name: 'send_channel_message',
  title: 'Post a message in a channel',
  description:
    'Posts a new top-level message (a new thread) in a Teams channel as the signed-in user ' +
    '(POST /teams/{team-id}/channels/{channel-id}/messages with {body: {contentType, content}}). team_id and channel_id ' +
    'default to the configured ones; content_type is text unless html is given; subject is optional. Everyone in the ' +
    'channel sees it. If Graph throttles the send (429) it is sent again after Retry-After; other failures are not ' +
    'retried, so a message is never posted twice. Returns the created message (id, web URL).',
  input: z.strictObject({
    ...contentArgs,
    subject: z.string().max(255, { error: 'must be at most 255 characters' }).optional().describe('Optional thread subject.'),
    team_id: teamIdArg,
    channel_id: channelIdArg,
  }),
  output: z.object({ team_id: z.string(), channel_id: z.string(), message: MessageSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<TeamsConfig>) {
    const { team, channel } = resolveChannel(args, config);
    const path = `/teams/${seg(team)}/channels/${seg(channel)}/messages`;
    const data = await postMessage(http, path, messageBody(args.content, args.content_type, args.subject), signal);
    const message = toMessage(parseGraph(GraphChatMessageSchema, data, path));
    return {
      text: `Posted message ${message.id} in channel ${channel}${message.webUrl ? `: ${message.webUrl}` : '.'}`,
      structured: { team_id: team, channel_id: channel, message },
    };
  },
});
