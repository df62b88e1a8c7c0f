import { z } from 'zod';
import { githubTool } from '../tool.js';
import { collectPages, pagingInput, pagingOutput } from '../paging.js';
import { repoInput, resolveRepo } from '../scope.js';
import { GhPull, PullOut, summarize, toPull } from '../shapes.js';
import { parseUpstream } from '../upstream.js';
import { filterDiff } from '../diff.js';

export const pullNumber = z.number().int().min(1, { error: 'must be a positive pull request number' });

export const listPullRequests = githubTool({
  name: 'list_pull_requests',
  title: 'List pull requests of a GitHub repository',
  description:
    'Lists pull requests (GET /repos/{owner}/{repo}/pulls), filtered by state (default open), head ("user:branch") or base branch, ' +
    'sorted by created/updated/popularity/long-running. owner/repo default to the configured repository. ' +
    'Paginated: per_page/page, and max_pages to follow more pages. Returns number, title, state, draft, author, head/base ref and sha, dates and URL.',
  input: z.strictObject({
    ...repoInput,
    state: z.enum(['open', 'closed', 'all']).default('open'),
    head: z.string().min(1).max(300).optional().describe('Filter by head, as "user:branch" or "org:branch".'),
    base: z.string().min(1).max(255).optional().describe('Filter by base branch name.'),
    sort: z.enum(['created', 'updated', 'popularity', 'long-running']).optional(),
    direction: z.enum(['asc', 'desc']).optional(),
    ...pagingInput,
  }),
  output: z.object({ repository: z.string(), ...pagingOutput, pull_requests: z.array(PullOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const pages = await collectPages(
      http,
      {
        method: 'GET',
        path: `${repo.base}/pulls`,
        query: { state: args.state, head: args.head, base: args.base, sort: args.sort, direction: args.direction, per_page: args.per_page, page: args.page },
        signal,
      },
      args.max_pages,
      (body) => parseUpstream(z.array(GhPull), body, 'pull request list'),
    );
    const pulls = pages.items.map((p) => toPull(p, false));
    return {
      text: `${pulls.length} ${args.state === 'all' ? '' : `${args.state} `}pull requests in ${repo.full}${pulls.length ? ':\n' : ''}${summarize(pulls, (p) => `#${p.number} ${p.title} (${p.head.ref} → ${p.base.ref}${p.draft ? ', draft' : ''})`)}`,
      structured: { repository: repo.full, pages_fetched: pages.pages, next_page: pages.nextPage, pull_requests: pulls },
    };
  },
});

export const getPullRequest = githubTool({
  name: 'get_pull_request',
  title: 'Get a GitHub pull request',
  description:
    'Reads one pull request (GET /repos/{owner}/{repo}/pulls/{pull_number}) with its body, state, draft/merged/mergeable flags, head and base. ' +
    'owner/repo default to the configured repository.',
  input: z.strictObject({ ...repoInput, pull_number: pullNumber }),
  output: z.object({ repository: z.string(), pull_request: PullOut }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const res = await http.request({ method: 'GET', path: `${repo.base}/pulls/${args.pull_number}`, signal });
    const pr = toPull(parseUpstream(GhPull, res.data, 'pull request'), true);
    return {
      text: `${repo.full}#${pr.number} ${pr.title} (${pr.merged ? 'merged' : pr.state}${pr.draft ? ', draft' : ''}) ${pr.head.ref} → ${pr.base.ref}\n${pr.html_url}${pr.body ? `\n\n${pr.body}` : ''}`,
      structured: { repository: repo.full, pull_request: pr },
    };
  },
});

export const getPullRequestDiff = githubTool({
  name: 'get_pull_request_diff',
  title: 'Get the diff of a GitHub pull request',
  description:
    'Returns the unified diff of a pull request (GET /repos/{owner}/{repo}/pulls/{pull_number} with Accept: application/vnd.github.diff). ' +
    'owner/repo default to the configured repository. With paths configured, the sections of files outside them are left out ' +
    '(omitted_files lists them). Returns the diff text and the files it covers.',
  input: z.strictObject({ ...repoInput, pull_number: pullNumber }),
  output: z.object({ repository: z.string(), pull_number: z.number().int(), files: z.array(z.string()), omitted_files: z.array(z.string()), diff: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const res = await http.request<string>({
      method: 'GET',
      path: `${repo.base}/pulls/${args.pull_number}`,
      headers: { Accept: 'application/vnd.github.diff' },
      responseType: 'text',
      signal,
    });
    // An empty diff comes back as an empty body.
    const diff = parseUpstream(z.string(), res.data ?? '', 'diff');
    const f = filterDiff(diff, config.paths);
    return {
      text: `${repo.full}#${args.pull_number}: ${f.files.length} files changed${f.omitted.length ? ` (${f.omitted.length} outside the configured paths omitted)` : ''}\n${f.diff}`,
      structured: { repository: repo.full, pull_number: args.pull_number, files: f.files, omitted_files: f.omitted, diff: f.diff },
    };
  },
});
