import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import { textToAdf } from '../adf.js';
import { assigneeArg, labelsArg, priorityArg, projectKeyArg, requireDefault } from '../args.js';
import { browseUrl, type JiraConfig } from '../config.js';
import { JiraCreatedIssueSchema, parseUpstream } from '../upstream.js';
import { resolveAccountId } from '../users.js';

export const summaryArg = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters (Jira\'s limit)' })
  .regex(/^[^\r\n]*$/, { error: 'must be a single line' })
  .describe('One-line title (at most 255 characters).');

export const descriptionArg = z
  .string()
  .max(32_000, { error: 'must be at most 32000 characters' })
  .describe('Plain text. Blank lines separate paragraphs; single newlines are kept as line breaks.');

export const createIssue = defineTool({
  name: 'create_issue',
  title: 'Create a Jira issue',
  description:
    'Creates an issue (POST /rest/api/3/issue). project_key, issue_type and assignee default to the configuration\'s ' +
    'project_key, issue_type (default "Task") and default_assignee; an assignee given as an email is resolved to its ' +
    'accountId (GET /rest/api/3/user/search), "unassigned" leaves it empty. The plain-text description is sent as ' +
    'Atlassian Document Format. Returns the new issue\'s id, key and browse URL.',
  input: z.strictObject({
    summary: summaryArg,
    description: descriptionArg.optional(),
    project_key: projectKeyArg.optional().describe('Project key; default: the configured project_key.'),
    issue_type: z.string().trim().min(1).max(255).optional().describe('Issue type name, e.g. "Bug"; default: the configured issue_type.'),
    assignee: assigneeArg.optional().describe('Email, accountId or "unassigned"; default: the configured default_assignee.'),
    labels: labelsArg.optional(),
    priority: priorityArg.optional(),
  }),
  output: z.object({
    id: z.string(),
    key: z.string(),
    url: z.string().nullable(),
    project_key: z.string(),
    issue_type: z.string(),
    summary: z.string(),
    assignee_account_id: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<JiraConfig>) {
    const projectKey = requireDefault(args.project_key ?? config.project_key, 'project_key', 'project_key');
    const issueType = args.issue_type ?? config.issue_type;
    const assigneeRef = args.assignee ?? config.default_assignee;
    const accountId = assigneeRef === undefined || assigneeRef === 'unassigned' ? null : await resolveAccountId(http, assigneeRef, signal);
    const fields: Record<string, unknown> = {
      project: { key: projectKey },
      issuetype: { name: issueType },
      summary: args.summary,
      ...(args.description !== undefined ? { description: textToAdf(args.description) } : {}),
      ...(args.labels !== undefined ? { labels: args.labels } : {}),
      ...(args.priority !== undefined ? { priority: { name: args.priority } } : {}),
      ...(accountId !== null ? { assignee: { accountId } } : {}),
    };
    const res = await http.request({ method: 'POST', path: '/rest/api/3/issue', json: { fields }, signal });
    const created = parseUpstream(JiraCreatedIssueSchema, res.data, 'POST /rest/api/3/issue');
    const url = browseUrl(config, created.key) ?? null;
    return {
      text: `Created ${issueType} ${created.key}: ${args.summary}${url ? `\n${url}` : ''}`,
      structured: { id: created.id, key: created.key, url, project_key: projectKey, issue_type: issueType, summary: args.summary, assignee_account_id: accountId },
    };
  },
});
