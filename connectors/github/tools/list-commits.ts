import { z } from 'zod';
import { githubTool } from '../tool.js';
import { collectPages, pagingInput, pagingOutput } from '../paging.js';
import { defaultBranch, repoInput, requireFilePath, resolveRepo } from '../scope.js';
import { CommitOut, GhCommit, summarize, toCommit } from '../shapes.js';
import { parseUpstream } from '../upstream.js';

const isoDate = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T00:00:00Z' });

export const listCommits = githubTool({
  name: 'list_commits',
  title: 'List commits of a GitHub repository',
  description:
    'Lists commits, newest first (GET /repos/{owner}/{repo}/commits), optionally only those touching a path, by an author, or in a date range. ' +
    'owner/repo default to the configured repository; sha (branch or commit to start from) defaults to the configured branch, ' +
    'else the default branch. A path must lie under the configured paths. Returns sha, message, author, date and URL per commit.',
  input: z.strictObject({
    ...repoInput,
    sha: z.string().min(1).max(255).optional().describe('Branch name or commit sha to list from. Defaults to the configured branch.'),
    path: z.string().min(1).max(4096).optional().describe('Only commits that touch this file or directory.'),
    author: z.string().min(1).max(256).optional().describe('GitHub login or email address of the author.'),
    since: isoDate.optional().describe('Only commits after this date-time.'),
    until: isoDate.optional().describe('Only commits before this date-time.'),
    ...pagingInput,
  }),
  output: z.object({ repository: z.string(), sha: z.string().nullable(), ...pagingOutput, commits: z.array(CommitOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const path = args.path === undefined ? undefined : requireFilePath('path', args.path, config);
    const sha = defaultBranch(args.sha, config) ?? null;
    const pages = await collectPages(
      http,
      {
        method: 'GET',
        path: `${repo.base}/commits`,
        query: { sha: sha ?? undefined, path, author: args.author, since: args.since, until: args.until, per_page: args.per_page, page: args.page },
        signal,
      },
      args.max_pages,
      (body) => parseUpstream(z.array(GhCommit), body, 'commit list'),
    );
    const commits = pages.items.map(toCommit);
    return {
      text: `${commits.length} commits in ${repo.full}${sha ? ` from ${sha}` : ''}${path ? ` touching ${path}` : ''}${commits.length ? ':\n' : ''}${summarize(commits, (c) => `${c.sha.slice(0, 7)} ${c.message.split('\n')[0] ?? ''} (${c.author_login ?? c.author_name ?? 'unknown'})`)}`,
      structured: { repository: repo.full, sha, pages_fetched: pages.pages, next_page: pages.nextPage, commits },
    };
  },
});
