import { z } from 'zod';
import { githubTool } from '../tool.js';
import { BranchNameSchema } from '../config.js';
import { defaultBranch, repoInput, requireFilePath, resolveRepo } from '../scope.js';
import { encodePath } from '../paths.js';
import { parseUpstream } from '../upstream.js';

/** GitHub's `file-commit`: every field of `content` and `commit` is optional in the published schema. */
const GhFileCommit = z.object({
  content: z.object({ sha: z.string().optional() }).nullable().optional(),
  commit: z.object({ sha: z.string().optional(), html_url: z.string().optional() }),
});

export const createOrUpdateFile = githubTool({
  name: 'create_or_update_file',
  title: 'Create or update a file in a GitHub repository',
  description:
    'Commits one file (PUT /repos/{owner}/{repo}/contents/{path}) with the given text content and commit message. ' +
    'To replace an existing file, pass its current blob sha (from get_file_contents); GitHub refuses the write if the file changed since. ' +
    'owner/repo default to the configured repository; branch defaults to the configured branch, else the default branch. ' +
    'With paths configured, only paths under those prefixes can be written. Returns the new blob sha and the commit sha and URL.',
  input: z.strictObject({
    ...repoInput,
    path: z.string().min(1, { error: 'must not be empty' }).max(4096).describe('File path from the repository root, e.g. "docs/guide.md".'),
    content: z.string().max(10_000_000).describe('The full new file content, as UTF-8 text (it is base64-encoded for GitHub).'),
    message: z.string().min(1, { error: 'must not be empty' }).max(10_000).describe('Commit message.'),
    branch: BranchNameSchema.optional().describe('Branch to commit to. Defaults to the configured branch.'),
    sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'must be a 40-character hex blob sha' }).optional()
      .describe('Blob sha of the file being replaced. Required to update an existing file; omit to create.'),
  }),
  output: z.object({
    repository: z.string(),
    path: z.string(),
    branch: z.string().nullable(),
    created: z.boolean(),
    content_sha: z.string().nullable(),
    commit_sha: z.string().nullable(),
    commit_url: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const path = requireFilePath('path', args.path, config);
    const branch = defaultBranch(args.branch, config) ?? null;
    const res = await http.request({
      method: 'PUT',
      path: `${repo.base}/contents/${encodePath(path)}`,
      json: {
        message: args.message,
        content: Buffer.from(args.content, 'utf8').toString('base64'),
        ...(branch ? { branch } : {}),
        ...(args.sha ? { sha: args.sha } : {}),
      },
      signal,
    });
    const r = parseUpstream(GhFileCommit, res.data, 'file commit');
    const created = res.status === 201;
    return {
      text: `${created ? 'Created' : 'Updated'} ${repo.full}:${path}${branch ? ` on ${branch}` : ''}${r.commit.sha ? ` in commit ${r.commit.sha.slice(0, 7)}` : ''}${r.commit.html_url ? ` (${r.commit.html_url})` : ''}`,
      structured: {
        repository: repo.full,
        path,
        branch,
        created,
        content_sha: r.content?.sha ?? null,
        commit_sha: r.commit.sha ?? null,
        commit_url: r.commit.html_url ?? null,
      },
    };
  },
});
