import { z } from 'zod';
import { githubTool } from '../tool.js';
import { BranchNameSchema } from '../config.js';
import { collectPages, pagingInput, pagingOutput } from '../paging.js';
import { repoInput, resolveRepo } from '../scope.js';
import { encodePath } from '../paths.js';
import { summarize } from '../shapes.js';
import { parseUpstream } from '../upstream.js';

const GhBranch = z.object({ name: z.string(), commit: z.object({ sha: z.string() }), protected: z.boolean().optional() });
const GhRef = z.object({ ref: z.string(), object: z.object({ sha: z.string(), type: z.string().optional() }) });
const GhRepoDefault = z.object({ default_branch: z.string() });

export const listBranches = githubTool({
  name: 'list_branches',
  title: 'List branches of a GitHub repository',
  description:
    'Lists branches (GET /repos/{owner}/{repo}/branches) with the sha each points to and whether it is protected. ' +
    'owner/repo default to the configured repository. Paginated: per_page/page, and max_pages to follow more pages.',
  input: z.strictObject({
    ...repoInput,
    protected: z.boolean().optional().describe('Only protected (true) or only unprotected (false) branches.'),
    ...pagingInput,
  }),
  output: z.object({
    repository: z.string(),
    ...pagingOutput,
    branches: z.array(z.object({ name: z.string(), sha: z.string(), protected: z.boolean().nullable() })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const pages = await collectPages(
      http,
      { method: 'GET', path: `${repo.base}/branches`, query: { protected: args.protected, per_page: args.per_page, page: args.page }, signal },
      args.max_pages,
      (body) => parseUpstream(z.array(GhBranch), body, 'branch list'),
    );
    const branches = pages.items.map((b) => ({ name: b.name, sha: b.commit.sha, protected: b.protected ?? null }));
    return {
      text: `${branches.length} branches in ${repo.full}${pages.nextPage ? ` (more from page ${pages.nextPage})` : ''}${branches.length ? ':\n' : ''}${summarize(branches, (b) => `${b.name} ${b.sha.slice(0, 7)}${b.protected ? ' (protected)' : ''}`)}`,
      structured: { repository: repo.full, pages_fetched: pages.pages, next_page: pages.nextPage, branches },
    };
  },
});

export const createBranch = githubTool({
  name: 'create_branch',
  title: 'Create a branch in a GitHub repository',
  description:
    'Creates a branch pointing at a commit (POST /repos/{owner}/{repo}/git/refs). The start point is from_sha if given, ' +
    'else the head of from_branch, which defaults to the configured branch, else the repository\'s default branch ' +
    '(its head is read with GET /git/ref/heads/{branch}). owner/repo default to the configured repository. ' +
    'Fails if the branch already exists. Returns the new ref and its sha.',
  input: z.strictObject({
    ...repoInput,
    branch: BranchNameSchema.describe('Name of the new branch, e.g. "feature/login".'),
    from_branch: BranchNameSchema.optional().describe('Branch to start from. Defaults to the configured branch, else the default branch.'),
    from_sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'must be a full 40-character hex commit sha' }).optional()
      .describe('Commit to start from; takes precedence over from_branch.'),
  }),
  output: z.object({ repository: z.string(), branch: z.string(), ref: z.string(), sha: z.string(), from: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    let sha = args.from_sha;
    let from = sha ?? '';
    if (!sha) {
      from = args.from_branch ?? config.branch ?? '';
      if (!from) {
        const r = await http.request({ method: 'GET', path: repo.base, signal });
        from = parseUpstream(GhRepoDefault, r.data, 'repository').default_branch;
      }
      const head = await http.request({ method: 'GET', path: `${repo.base}/git/ref/heads/${encodePath(from)}`, signal });
      sha = parseUpstream(GhRef, head.data, 'git ref').object.sha;
    }
    const res = await http.request({
      method: 'POST',
      path: `${repo.base}/git/refs`,
      json: { ref: `refs/heads/${args.branch}`, sha },
      signal,
    });
    const created = parseUpstream(GhRef, res.data, 'git ref');
    return {
      text: `Created branch ${args.branch} in ${repo.full} at ${created.object.sha.slice(0, 7)} (from ${from})`,
      structured: { repository: repo.full, branch: args.branch, ref: created.ref, sha: created.object.sha, from },
    };
  },
});
