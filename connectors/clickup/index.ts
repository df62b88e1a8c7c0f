// STUB written by the lead so the registry compiles; the ClickUp helper replaces this file.
import { z } from 'zod';
import { commonConfigFields, defineBuiltinConnector } from '../kit/connector.js';

export const ClickupConfigSchema = z.strictObject({
  ...commonConfigFields,
  workspace_id: z.string().min(1).optional(),
  list_id: z.string().min(1).optional(),
  default_priority: z.number().int().min(1).max(4).optional(),
});
export type ClickupConfig = z.infer<typeof ClickupConfigSchema>;

export const clickupConnector = defineBuiltinConnector<ClickupConfig>({
  id: 'pc_clickup',
  name: 'ClickUp',
  description: 'ClickUp workspaces, lists, tasks and comments.',
  authMethods: ['api_key', 'oauth2', 'bearer'],
  configSchema: ClickupConfigSchema,
  defaultBaseUrl: () => 'https://api.clickup.com/api/v2',
  authorize: () => ({}),
  tools: [],
  healthCheck: async (http, _c, signal) => {
    await http.request({ method: 'GET', path: '/user', signal });
  },
});
