import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import { issueKeyArg } from '../args.js';
import type { JiraConfig } from '../config.js';
import { CommentOut, IssueOut, PersonOut, issueLine, person, presentComment, presentIssue } from '../present.js';
import { JiraIssueSchema, parseUpstream } from '../upstream.js';
import { SUMMARY_FIELDS } from './search-issues.js';

const COMMENTS_SHOWN = 20;

export const getIssue = defineTool({
  name: 'get_issue',
  title: 'Get a Jira issue',
  description:
    'Reads one issue by key or id (GET /rest/api/3/issue/{key}). Returns its key, summary, status, type, project, assignee, ' +
    'reporter, priority, labels, dates, browse URL, the description converted from Atlassian Document Format to plain text, ' +
    `and its latest ${COMMENTS_SHOWN} comments as plain text.`,
  input: z.strictObject({ key: issueKeyArg }),
  output: IssueOut.extend({
    description: z.string().nullable(),
    reporter: PersonOut.nullable(),
    comments: z.array(CommentOut),
    comment_total: z.number().int(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<JiraConfig>) {
    const res = await http.request({
      method: 'GET',
      path: `/rest/api/3/issue/${encodeURIComponent(args.key)}`,
      query: { fields: [...SUMMARY_FIELDS, 'description', 'reporter', 'comment'].join(',') },
      signal,
    });
    const issue = parseUpstream(JiraIssueSchema, res.data, 'GET /rest/api/3/issue/{key}');
    const all = issue.fields.comment?.comments ?? [];
    const comments = all.slice(-COMMENTS_SHOWN).map(presentComment);
    const base = presentIssue(issue, config);
    const out = {
      ...base,
      description: base.description ?? null,
      reporter: person(issue.fields.reporter),
      comments,
      comment_total: issue.fields.comment?.total ?? all.length,
    };
    const lines = [
      issueLine(out),
      `Type: ${out.issue_type ?? '?'} · Priority: ${out.priority ?? 'none'} · Labels: ${out.labels.join(', ') || 'none'}`,
      ...(out.url ? [out.url] : []),
      '',
      out.description ?? '(no description)',
      ...(comments.length > 0 ? ['', `Comments (${out.comment_total}):`, ...comments.map((c) => `- ${c.author ?? '?'} (${c.created ?? '?'}): ${c.body}`)] : []),
    ];
    return { text: lines.join('\n'), structured: out };
  },
});
