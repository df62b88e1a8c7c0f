import { z } from 'zod';
import { ValidationError } from '../../src/domain/errors.js';
import { defineBuiltinConnector } from '../kit/connector.js';
import { GRAPH_BASE_URL, TeamsConfigSchema, type TeamsConfig } from './config.js';
import { parseGraph } from './graph.js';
import { getMessageReplies } from './tools/get-message-replies.js';
import { listChannelMessages } from './tools/list-channel-messages.js';
import { listChannels } from './tools/list-channels.js';
import { listChatMessages } from './tools/list-chat-messages.js';
import { listChats } from './tools/list-chats.js';
import { listJoinedTeams } from './tools/list-joined-teams.js';
import { replyToMessage } from './tools/reply-to-message.js';
import { sendChannelMessage } from './tools/send-channel-message.js';
import { sendChatMessage } from './tools/send-chat-message.js';

export { TeamsConfigSchema, type TeamsConfig } from './config.js';

export const teamsConnector = defineBuiltinConnector<TeamsConfig>({
  id: 'pc_teams',
  name: 'Microsoft Teams',
  description: 'Microsoft Teams teams, channels, chats and messages through Microsoft Graph (delegated access: acts as the signed-in user).',
  // Graph has no API keys: only a delegated OAuth access token, refreshed (oauth2) or fixed (bearer).
  authMethods: ['oauth2', 'bearer'],
  configSchema: TeamsConfigSchema,
  defaultBaseUrl: () => GRAPH_BASE_URL,
  authorize(credentials) {
    switch (credentials.type) {
      case 'oauth2':
        return { Authorization: `Bearer ${credentials.access_token}` };
      case 'bearer':
        return { Authorization: `Bearer ${credentials.token}` };
      case 'api_key':
        throw new ValidationError('credentials.type api_key is not accepted by Microsoft Teams: use oauth2 or bearer', 'credentials.type');
    }
  },
  tools: [
    listJoinedTeams,
    listChannels,
    listChannelMessages,
    getMessageReplies,
    sendChannelMessage,
    replyToMessage,
    listChats,
    listChatMessages,
    sendChatMessage,
  ],
  async healthCheck(http, _config, signal) {
    // /me needs only User.Read, which every delegated Graph token carries.
    const res = await http.request({ method: 'GET', path: '/me', query: { $select: 'id,displayName' }, signal });
    parseGraph(z.object({ id: z.string() }), res.data, '/me');
  },
});
