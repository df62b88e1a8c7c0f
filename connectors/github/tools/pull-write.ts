import { z } from 'zod';
import { githubTool } from '../tool.js';
import { ToolInputError } from '../../kit/tool.js';
import { repoInput, resolveRepo } from '../scope.js';
import { GhPull, PullOut, toPull } from '../shapes.js';
import { parseUpstream } from '../upstream.js';
import { pullNumber } from './pulls.js';

export const createPullRequest = githubTool({
  name: 'create_pull_request',
  title: 'Create a GitHub pull request',
  description:
    'Opens a pull request (POST /repos/{owner}/{repo}/pulls) to merge head into base. base defaults to the configured branch ' +
    '(required when none is configured). owner/repo default to the configured repository. Returns the new pull request with its number and URL.',
  input: z.strictObject({
    ...repoInput,
    title: z.string().trim().min(1, { error: 'must not be empty' }).max(256),
    head: z.string().min(1).max(300).describe('Branch with the changes; "user:branch" for a fork.'),
    base: z.string().min(1).max(255).optional().describe('Branch to merge into. Defaults to the configured branch.'),
    body: z.string().max(65_536).optional().describe('Description, Markdown.'),
    draft: z.boolean().optional().describe('Open as a draft.'),
    maintainer_can_modify: z.boolean().optional(),
  }),
  output: z.object({ repository: z.string(), pull_request: PullOut }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const base = args.base ?? config.branch;
    if (!base) throw new ToolInputError('base: required, because this configuration has no default branch');
    const res = await http.request({
      method: 'POST',
      path: `${repo.base}/pulls`,
      json: { title: args.title, head: args.head, base, body: args.body, draft: args.draft, maintainer_can_modify: args.maintainer_can_modify },
      signal,
    });
    const pr = toPull(parseUpstream(GhPull, res.data, 'pull request'), true);
    return { text: `Opened ${repo.full}#${pr.number} ${pr.title} (${pr.head.ref} → ${pr.base.ref}): ${pr.html_url}`, structured: { repository: repo.full, pull_request: pr } };
  },
});

const GhMerge = z.object({ sha: z.string(), merged: z.boolean(), message: z.string() });

export const mergePullRequest = githubTool({
  name: 'merge_pull_request',
  title: 'Merge a GitHub pull request',
  description:
    'Merges a pull request (PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge) with merge_method merge (default), squash or rebase. ' +
    'Pass sha (the head sha you reviewed) so GitHub refuses the merge if the head moved since. ' +
    'owner/repo default to the configured repository. Returns the merge commit sha.',
  input: z.strictObject({
    ...repoInput,
    pull_number: pullNumber,
    merge_method: z.enum(['merge', 'squash', 'rebase']).default('merge'),
    commit_title: z.string().min(1).max(256).optional(),
    commit_message: z.string().max(65_536).optional(),
    sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'must be a full 40-character hex commit sha' }).optional()
      .describe('Head sha the pull request must still have.'),
  }),
  output: z.object({ repository: z.string(), pull_number: z.number().int(), merged: z.boolean(), sha: z.string(), message: z.string(), merge_method: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const res = await http.request({
      method: 'PUT',
      path: `${repo.base}/pulls/${args.pull_number}/merge`,
      json: { merge_method: args.merge_method, commit_title: args.commit_title, commit_message: args.commit_message, sha: args.sha },
      signal,
    });
    const m = parseUpstream(GhMerge, res.data, 'merge result');
    return {
      text: `${m.merged ? 'Merged' : 'Did not merge'} ${repo.full}#${args.pull_number} (${args.merge_method}): ${m.message}${m.merged ? ` — ${m.sha.slice(0, 7)}` : ''}`,
      structured: { repository: repo.full, pull_number: args.pull_number, merged: m.merged, sha: m.sha, message: m.message, merge_method: args.merge_method },
    };
  },
});
