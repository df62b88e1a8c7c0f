import { z } from 'zod';
import { githubTool } from '../tool.js';
import { ToolInputError } from '../../kit/tool.js';
import { repoInput, resolveRepo } from '../scope.js';
import { GhIssue, IssueOut, toIssue } from '../shapes.js';
import { parseUpstream } from '../upstream.js';
import { issueNumber } from './issues.js';

const title = z.string().trim().min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' });
const body = z.string().max(65_536, { error: 'must be at most 65536 characters (GitHub\'s limit)' });
const logins = z.array(z.string().min(1).max(39)).max(10, { error: 'GitHub accepts at most 10 assignees' });
const labels = z.array(z.string().min(1).max(100)).max(100);

export const createIssue = githubTool({
  name: 'create_issue',
  title: 'Create a GitHub issue',
  description:
    'Opens an issue (POST /repos/{owner}/{repo}/issues) with a title and optional body (Markdown), labels, assignees and milestone number. ' +
    'owner/repo default to the configured repository. Returns the new issue with its number and URL.',
  input: z.strictObject({
    ...repoInput,
    title: title.describe('Issue title.'),
    body: body.optional().describe('Issue body, Markdown.'),
    labels: labels.optional().describe('Label names to set (labels must exist unless you can push).'),
    assignees: logins.optional().describe('Logins to assign.'),
    milestone: z.number().int().min(1).optional().describe('Milestone number.'),
  }),
  output: z.object({ repository: z.string(), issue: IssueOut }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const res = await http.request({
      method: 'POST',
      path: `${repo.base}/issues`,
      json: { title: args.title, body: args.body, labels: args.labels, assignees: args.assignees, milestone: args.milestone },
      signal,
    });
    const issue = toIssue(parseUpstream(GhIssue, res.data, 'issue'), true);
    return { text: `Created ${repo.full}#${issue.number} ${issue.title}: ${issue.html_url}`, structured: { repository: repo.full, issue } };
  },
});

export const updateIssue = githubTool({
  name: 'update_issue',
  title: 'Update a GitHub issue',
  description:
    'Changes an issue (PATCH /repos/{owner}/{repo}/issues/{issue_number}): title, body, state (open/closed, with state_reason), ' +
    'labels or assignees (each list replaces the current one), milestone (null removes it). Only the fields given are changed; at least one is required. ' +
    'owner/repo default to the configured repository. Returns the updated issue.',
  input: z.strictObject({
    ...repoInput,
    issue_number: issueNumber.describe('The issue number.'),
    title: title.optional(),
    body: body.optional(),
    state: z.enum(['open', 'closed']).optional(),
    state_reason: z.enum(['completed', 'not_planned', 'reopened']).optional().describe('Why the state changed.'),
    labels: labels.optional().describe('Replaces all labels.'),
    assignees: logins.optional().describe('Replaces all assignees.'),
    milestone: z.number().int().min(1).nullable().optional().describe('Milestone number, or null to remove it.'),
  }),
  output: z.object({ repository: z.string(), issue: IssueOut }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const { owner: _o, repo: _r, issue_number, ...changes } = args;
    const patch = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(patch).length === 0) {
      throw new ToolInputError('update_issue: give at least one of title, body, state, state_reason, labels, assignees, milestone');
    }
    const repo = resolveRepo(args, config);
    const res = await http.request({ method: 'PATCH', path: `${repo.base}/issues/${issue_number}`, json: patch, signal });
    const issue = toIssue(parseUpstream(GhIssue, res.data, 'issue'), true);
    return {
      text: `Updated ${repo.full}#${issue.number} (${Object.keys(patch).join(', ')}): ${issue.title} (${issue.state})`,
      structured: { repository: repo.full, issue },
    };
  },
});

const GhComment = z.object({
  id: z.number().int(),
  html_url: z.string(),
  body: z.string().nullable().optional(),
  user: z.object({ login: z.string() }).nullable().optional(),
  created_at: z.string(),
});

export const addIssueComment = githubTool({
  name: 'add_issue_comment',
  title: 'Comment on a GitHub issue or pull request',
  description:
    'Adds a comment (POST /repos/{owner}/{repo}/issues/{issue_number}/comments) to an issue or a pull request (pull requests share issue numbers). ' +
    'owner/repo default to the configured repository. Returns the comment id and URL.',
  input: z.strictObject({
    ...repoInput,
    issue_number: issueNumber.describe('Issue or pull request number.'),
    body: body.min(1, { error: 'must not be empty' }).describe('Comment text, Markdown.'),
  }),
  output: z.object({
    repository: z.string(),
    issue_number: z.number().int(),
    id: z.number().int(),
    html_url: z.string(),
    user: z.string().nullable(),
    created_at: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const res = await http.request({ method: 'POST', path: `${repo.base}/issues/${args.issue_number}/comments`, json: { body: args.body }, signal });
    const c = parseUpstream(GhComment, res.data, 'comment');
    return {
      text: `Commented on ${repo.full}#${args.issue_number}: ${c.html_url}`,
      structured: { repository: repo.full, issue_number: args.issue_number, id: c.id, html_url: c.html_url, user: c.user?.login ?? null, created_at: c.created_at },
    };
  },
});
