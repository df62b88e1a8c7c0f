// STUB written by the lead so the registry compiles; the GitHub helper replaces this file.
import { z } from 'zod';
import { commonConfigFields, defineBuiltinConnector } from '../kit/connector.js';

export const GithubConfigSchema = z.strictObject({
  ...commonConfigFields,
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: 'must be owner/repo' }).optional(),
  branch: z.string().min(1).max(255).optional(),
  paths: z.array(z.string().min(1)).optional(),
});
export type GithubConfig = z.infer<typeof GithubConfigSchema>;

export const githubConnector = defineBuiltinConnector<GithubConfig>({
  id: 'pc_github',
  name: 'GitHub',
  description: 'GitHub repositories, files, issues and pull requests.',
  authMethods: ['api_key', 'oauth2', 'bearer'],
  configSchema: GithubConfigSchema,
  defaultBaseUrl: () => 'https://api.github.com',
  authorize: () => ({}),
  tools: [],
  healthCheck: async (http, _c, signal) => {
    await http.request({ method: 'GET', path: '/user', signal });
  },
});
