import { z } from 'zod';
import { githubTool } from '../tool.js';
import { collectPages, pagingInput, pagingOutput } from '../paging.js';
import { repoInput, resolveRepo } from '../scope.js';
import { GhIssue, IssueOut, summarize, toIssue } from '../shapes.js';
import { parseUpstream } from '../upstream.js';

export const issueNumber = z.number().int().min(1, { error: 'must be a positive issue number' });
const label = z.string().min(1).max(100).refine((l) => !l.includes(','), { error: 'must not contain a comma (GitHub joins labels with commas)' });

export const listIssues = githubTool({
  name: 'list_issues',
  title: 'List issues of a GitHub repository',
  description:
    'Lists issues (GET /repos/{owner}/{repo}/issues), filtered by state (default open), labels (all must match), assignee, creator or update date, ' +
    'sorted by created/updated/comments. GitHub counts pull requests as issues: they appear with is_pull_request true. ' +
    'owner/repo default to the configured repository. Paginated: per_page/page, and max_pages to follow more pages. ' +
    'Returns number, title, state, author, labels, assignees, comment count, dates and URL (no bodies: use get_issue).',
  input: z.strictObject({
    ...repoInput,
    state: z.enum(['open', 'closed', 'all']).default('open').describe('Issue state (default open).'),
    labels: z.array(label).max(50).optional().describe('Only issues with all of these labels.'),
    assignee: z.string().min(1).max(100).optional().describe('A login, "none" for unassigned or "*" for any assignee.'),
    creator: z.string().min(1).max(100).optional().describe('Login of the issue author.'),
    since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional().describe('Only issues updated at or after this time.'),
    sort: z.enum(['created', 'updated', 'comments']).optional(),
    direction: z.enum(['asc', 'desc']).optional(),
    ...pagingInput,
  }),
  output: z.object({ repository: z.string(), ...pagingOutput, issues: z.array(IssueOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const pages = await collectPages(
      http,
      {
        method: 'GET',
        path: `${repo.base}/issues`,
        query: {
          state: args.state,
          labels: args.labels?.join(','),
          assignee: args.assignee,
          creator: args.creator,
          since: args.since,
          sort: args.sort,
          direction: args.direction,
          per_page: args.per_page,
          page: args.page,
        },
        signal,
      },
      args.max_pages,
      (body) => parseUpstream(z.array(GhIssue), body, 'issue list'),
    );
    const issues = pages.items.map((i) => toIssue(i, false));
    return {
      text: `${issues.length} ${args.state === 'all' ? '' : `${args.state} `}issues in ${repo.full}${pages.nextPage ? ` (more from page ${pages.nextPage})` : ''}${issues.length ? ':\n' : ''}${summarize(issues, (i) => `#${i.number} ${i.title}${i.labels.length ? ` [${i.labels.join(', ')}]` : ''}${i.is_pull_request ? ' (pull request)' : ''}`)}`,
      structured: { repository: repo.full, pages_fetched: pages.pages, next_page: pages.nextPage, issues },
    };
  },
});

export const getIssue = githubTool({
  name: 'get_issue',
  title: 'Get a GitHub issue',
  description:
    'Reads one issue (GET /repos/{owner}/{repo}/issues/{issue_number}) with its body, state, labels, assignees, comment count and dates. ' +
    'owner/repo default to the configured repository.',
  input: z.strictObject({ ...repoInput, issue_number: issueNumber.describe('The issue number.') }),
  output: z.object({ repository: z.string(), issue: IssueOut }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const res = await http.request({ method: 'GET', path: `${repo.base}/issues/${args.issue_number}`, signal });
    const issue = toIssue(parseUpstream(GhIssue, res.data, 'issue'), true);
    return {
      text: `${repo.full}#${issue.number} ${issue.title} (${issue.state}) by ${issue.user ?? 'unknown'}\n${issue.html_url}${issue.body ? `\n\n${issue.body}` : ''}`,
      structured: { repository: repo.full, issue },
    };
  },
});
