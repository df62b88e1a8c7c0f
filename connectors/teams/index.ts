// STUB written by the lead so the registry compiles; the Teams helper replaces this file.
import { z } from 'zod';
import { commonConfigFields, defineBuiltinConnector } from '../kit/connector.js';

export const TeamsConfigSchema = z.strictObject({
  ...commonConfigFields,
  team_id: z.string().min(1).optional(),
  channel_id: z.string().min(1).optional(),
});
export type TeamsConfig = z.infer<typeof TeamsConfigSchema>;

export const teamsConnector = defineBuiltinConnector<TeamsConfig>({
  id: 'pc_teams',
  name: 'Microsoft Teams',
  description: 'Microsoft Teams teams, channels, chats and messages through Microsoft Graph.',
  authMethods: ['oauth2', 'bearer'],
  configSchema: TeamsConfigSchema,
  defaultBaseUrl: () => 'https://graph.microsoft.com/v1.0',
  authorize: () => ({}),
  tools: [],
  healthCheck: async (http, _c, signal) => {
    await http.request({ method: 'GET', path: '/me', signal });
  },
});
