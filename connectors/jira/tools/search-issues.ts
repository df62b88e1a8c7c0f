import { z } from 'zod';
import { defineTool, ToolInputError, type ToolContext } from '../../kit/tool.js';
import type { JiraConfig } from '../config.js';
import { scopeJql, splitOrderBy } from '../jql.js';
import { IssueOut, issueLine, presentIssue, type IssueOutput } from '../present.js';
import { JiraSearchPageSchema, parseUpstream } from '../upstream.js';

/** Fields every result shows; callers add more by id. */
export const SUMMARY_FIELDS = ['summary', 'status', 'assignee', 'issuetype', 'priority', 'labels', 'created', 'updated', 'project'] as const;
const PAGE_MAX = 100;
const MAX_PAGES = 20;

export const searchIssues = defineTool({
  name: 'search_issues',
  title: 'Search Jira issues (JQL)',
  description:
    'Finds issues with a JQL query (POST /rest/api/3/search/jql, following nextPageToken until `limit` issues). ' +
    'When the configuration sets project_key and the query has no project clause, it is scoped to that project: ' +
    '`project = KEY AND (<jql>)`; an empty query lists the project\'s issues, most recently updated first. ' +
    'Returns each issue\'s key, summary, status, type, assignee, priority, labels, dates and browse URL ' +
    '(plus the description as plain text when include_description is true, and any extra `fields` as Jira returns them), ' +
    'and next_page_token when more issues remain.',
  input: z.strictObject({
    jql: z.string().max(10_000).default('').describe('JQL, e.g. `status = "In Progress" ORDER BY priority DESC`. Empty: the configured project\'s issues.'),
    fields: z
      .array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, { error: 'field ids are letters, digits, _ . -' }))
      .max(30)
      .optional()
      .describe('Extra field ids to return in `extra`, e.g. ["customfield_10016", "duedate"].'),
    include_description: z.boolean().default(false).describe('Include each description as plain text (first 500 characters).'),
    limit: z.number().int().min(1).max(500).default(50).describe('Most issues to return (default 50).'),
    page_token: z.string().min(1).max(2000).optional().describe('next_page_token from a previous call, with the same jql.'),
  }),
  output: z.object({ jql: z.string(), issues: z.array(IssueOut), next_page_token: z.string().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<JiraConfig>) {
    const jql = scopeJql(args.jql, config.project_key);
    if (splitOrderBy(jql).where === '') {
      throw new ToolInputError('jql is required: Jira refuses unbounded queries, and this configuration sets no project_key to scope them to');
    }
    const extra = args.fields ?? [];
    const fields = [...new Set<string>([...SUMMARY_FIELDS, ...extra, ...(args.include_description ? ['description'] : [])])];
    const issues: IssueOutput[] = [];
    // Paged inline rather than with paginateJira: each page asks for exactly what is still wanted,
    // so the token handed back resumes at the next unseen issue instead of skipping a cut tail.
    let token = args.page_token;
    for (let page = 0; page < MAX_PAGES && issues.length < args.limit; page++) {
      const res = await http.request({
        method: 'POST',
        path: '/rest/api/3/search/jql',
        json: { jql, fields, maxResults: Math.min(PAGE_MAX, args.limit - issues.length), ...(token ? { nextPageToken: token } : {}) },
        // A search changes nothing, so it is as safe to retry as a GET.
        retry: true,
        signal,
      });
      const body = parseUpstream(JiraSearchPageSchema, res.data, 'POST /rest/api/3/search/jql');
      issues.push(...body.issues.map((i) => presentIssue(i, config, 500, extra)));
      token = body.isLast === true ? undefined : (body.nextPageToken ?? undefined);
      if (!token) break;
    }
    const next = token ?? null;
    const head = issues.length === 0 ? `No issues match ${jql}` : `${issues.length} issue(s) for ${jql}${next ? ' (more available: pass next_page_token)' : ''}:`;
    return { text: [head, ...issues.map(issueLine)].join('\n'), structured: { jql, issues, next_page_token: next } };
  },
});
