import { z } from 'zod';
import { githubTool } from '../tool.js';
import { parseUpstream } from '../upstream.js';

const GhUser = z.object({
  login: z.string(),
  id: z.number().int(),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  html_url: z.string(),
  type: z.string().optional(),
});

export const getMe = githubTool({
  name: 'get_me',
  title: 'Get my GitHub user',
  description:
    'Returns the GitHub account these credentials act as (GET /user): login, id, name, public email, profile URL and account type. ' +
    'Use it to learn "who am I" before filtering issues or pull requests by author or assignee.',
  input: z.strictObject({}),
  output: z.object({
    login: z.string(),
    id: z.number().int(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    html_url: z.string(),
    type: z.string().nullable(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(_args, { http, signal }) {
    const res = await http.request({ method: 'GET', path: '/user', signal });
    const u = parseUpstream(GhUser, res.data, 'user');
    return {
      text: `Signed in to GitHub as ${u.login}${u.name ? ` (${u.name})` : ''}: ${u.html_url}`,
      structured: { login: u.login, id: u.id, name: u.name ?? null, email: u.email ?? null, html_url: u.html_url, type: u.type ?? null },
    };
  },
});
