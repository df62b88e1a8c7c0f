import { z } from 'zod';
import { defineTool, ToolInputError, type ToolContext } from '../../kit/tool.js';
import { textToAdf } from '../adf.js';
import { issueKeyArg, labelsArg, priorityArg } from '../args.js';
import { browseUrl, type JiraConfig } from '../config.js';
import { descriptionArg, summaryArg } from './create-issue.js';

export const updateIssue = defineTool({
  name: 'update_issue',
  title: 'Update a Jira issue',
  description:
    'Edits an issue\'s summary, description (plain text, sent as Atlassian Document Format), labels (replaces the whole ' +
    'set) and/or priority (PUT /rest/api/3/issue/{key}). Fields left out are unchanged; at least one is required. ' +
    'Status changes go through transition_issue, the assignee through assign_issue. Returns the key and the fields changed.',
  input: z.strictObject({
    key: issueKeyArg,
    summary: summaryArg.optional(),
    description: descriptionArg.optional(),
    labels: labelsArg.optional().describe('The new full set of labels ([] clears them).'),
    priority: priorityArg.optional(),
  }),
  output: z.object({ key: z.string(), url: z.string().nullable(), updated_fields: z.array(z.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<JiraConfig>) {
    const fields: Record<string, unknown> = {
      ...(args.summary !== undefined ? { summary: args.summary } : {}),
      ...(args.description !== undefined ? { description: textToAdf(args.description) } : {}),
      ...(args.labels !== undefined ? { labels: args.labels } : {}),
      ...(args.priority !== undefined ? { priority: { name: args.priority } } : {}),
    };
    const updated = Object.keys(fields);
    if (updated.length === 0) throw new ToolInputError('update_issue needs at least one of summary, description, labels, priority');
    // Jira answers 204 No Content on success.
    await http.request({ method: 'PUT', path: `/rest/api/3/issue/${encodeURIComponent(args.key)}`, json: { fields }, responseType: 'text', signal });
    return {
      text: `Updated ${args.key}: ${updated.join(', ')}`,
      structured: { key: args.key, url: browseUrl(config, args.key) ?? null, updated_fields: updated },
    };
  },
});
