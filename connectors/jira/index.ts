// STUB written by the lead so the registry compiles; the Jira helper replaces this file.
import { z } from 'zod';
import { commonConfigFields, defineBuiltinConnector } from '../kit/connector.js';

export const JiraConfigSchema = z
  .strictObject({
    ...commonConfigFields,
    site_url: z.url({ protocol: /^https?$/ }).optional(),
    cloud_id: z.string().min(1).optional(),
    email: z.email().optional(),
    project_key: z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/).optional(),
    issue_type: z.string().min(1).optional(),
    default_assignee: z.string().min(1).optional(),
  })
  .refine((c) => c.site_url !== undefined || c.cloud_id !== undefined || c.api_base_url !== undefined, {
    error: 'set site_url (https://<site>.atlassian.net) or cloud_id (with OAuth)',
    path: ['site_url'],
  });
export type JiraConfig = z.infer<typeof JiraConfigSchema>;

export const jiraConnector = defineBuiltinConnector<JiraConfig>({
  id: 'pc_jira',
  name: 'Jira',
  description: 'Jira Cloud issues, transitions, comments and projects.',
  authMethods: ['api_key', 'oauth2', 'bearer'],
  configSchema: JiraConfigSchema,
  defaultBaseUrl: (c) => c.site_url ?? `https://api.atlassian.com/ex/jira/${c.cloud_id ?? ''}`,
  authorize: () => ({}),
  tools: [],
  healthCheck: async (http, _c, signal) => {
    await http.request({ method: 'GET', path: '/rest/api/3/myself', signal });
  },
});
