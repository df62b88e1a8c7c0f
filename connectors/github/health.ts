import { z } from 'zod';
import { UpstreamError } from '../../src/domain/errors.js';
import type { HttpClient } from '../../src/http/types.js';
import type { GithubConfig } from './config.js';
import { resolveRepo } from './scope.js';
import { parseUpstream } from './upstream.js';

const GhRateLimit = z.object({ resources: z.object({ core: z.object({ remaining: z.number().int() }) }) });
const GhRepo = z.object({ full_name: z.string() });

/**
 * Proves the credentials are accepted with a request every kind of GitHub token may make:
 * `GET /user` refuses GitHub App installation tokens (403 "Resource not accessible by
 * integration"), which act as the app and have no user.
 *
 * - With a configured repository: `GET /repos/{owner}/{repo}`, the one repository every tool
 *   touches. 401 means the token is refused; 404 means it cannot see the repository, so no tool
 *   would work either.
 * - Without one: `GET /rate_limit`, which answers any valid token and costs no quota. GitHub
 *   Enterprise Server with rate limiting turned off answers it 404; then `GET /user`.
 */
export async function checkGithub(http: HttpClient, config: GithubConfig, signal: AbortSignal): Promise<void> {
  if (config.repository) {
    const repo = resolveRepo({}, config);
    try {
      const res = await http.request({ method: 'GET', path: repo.base, signal });
      parseUpstream(GhRepo, res.data, 'repository');
    } catch (e) {
      if (e instanceof UpstreamError && e.kind === 'not_found') {
        throw new UpstreamError('not_found', `GitHub: the configured repository ${repo.full} does not exist or these credentials cannot see it (${e.message})`, { status: 404 });
      }
      throw e;
    }
    return;
  }
  try {
    const res = await http.request({ method: 'GET', path: '/rate_limit', signal });
    parseUpstream(GhRateLimit, res.data, 'rate limit');
  } catch (e) {
    if (!(e instanceof UpstreamError && e.kind === 'not_found')) throw e;
    await http.request({ method: 'GET', path: '/user', signal });
  }
}
