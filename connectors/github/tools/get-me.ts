import { z } from 'zod';
import { UpstreamError } from '../../../src/domain/errors.js';
import type { HttpClient } from '../../../src/http/types.js';
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
const GhInstallationRepos = z.object({ total_count: z.number().int(), repositories: z.array(z.object({ full_name: z.string() })) });

/**
 * GitHub's answer to `GET /user` for a GitHub App installation token: it acts as the app, not a
 * user. GitHub says so only in the message of the 403.
 */
function isInstallationRefusal(e: unknown): boolean {
  return e instanceof UpstreamError && e.upstreamStatus === 403 && /not accessible by integration/i.test(e.message);
}

/** The repositories an installation token reaches: what "who am I" means for it. */
async function installationView(http: HttpClient, signal: AbortSignal) {
  const res = await http.request({ method: 'GET', path: '/installation/repositories', query: { per_page: 100 }, signal });
  const r = parseUpstream(GhInstallationRepos, res.data, 'installation repository list');
  const names = r.repositories.map((x) => x.full_name);
  return {
    text:
      `These credentials are a GitHub App installation token: they act as the app, not as a user, and reach ${r.total_count} repositories` +
      `${names.length ? `: ${names.join(', ')}${r.total_count > names.length ? ', …' : ''}` : ''}`,
    structured: {
      actor: 'app_installation' as const,
      login: null,
      id: null,
      name: null,
      email: null,
      html_url: null,
      type: null,
      repositories: { total_count: r.total_count, full_names: names },
    },
  };
}

export const getMe = githubTool({
  name: 'get_me',
  title: 'Get my GitHub user',
  description:
    'Returns the GitHub account these credentials act as (GET /user): login, id, name, public email, profile URL and account type. ' +
    'Use it to learn "who am I" before filtering issues or pull requests by author or assignee. A GitHub App installation token ' +
    'acts as the app, not a user: then actor is app_installation, the user fields are null, and repositories lists what it can reach.',
  input: z.strictObject({}),
  output: z.object({
    actor: z.enum(['user', 'app_installation']),
    login: z.string().nullable(),
    id: z.number().int().nullable(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    html_url: z.string().nullable(),
    type: z.string().nullable(),
    repositories: z
      .object({ total_count: z.number().int(), full_names: z.array(z.string()).describe('The first 100.') })
      .optional()
      .describe('For an installation token: the repositories it can reach.'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(_args, { http, signal }) {
    let data: unknown;
    try {
      data = (await http.request({ method: 'GET', path: '/user', signal })).data;
    } catch (e) {
      if (isInstallationRefusal(e)) return installationView(http, signal);
      throw e;
    }
    const u = parseUpstream(GhUser, data, 'user');
    return {
      text: `Signed in to GitHub as ${u.login}${u.name ? ` (${u.name})` : ''}: ${u.html_url}`,
      structured: { actor: 'user' as const, login: u.login, id: u.id, name: u.name ?? null, email: u.email ?? null, html_url: u.html_url, type: u.type ?? null },
    };
  },
});
