import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import { assigneeArg, issueKeyArg, requireDefault } from '../args.js';
import type { JiraConfig } from '../config.js';
import { resolveAccountId } from '../users.js';

export const assignIssue = defineTool({
  name: 'assign_issue',
  title: 'Assign a Jira issue',
  description:
    'Sets or clears an issue\'s assignee (PUT /rest/api/3/issue/{key}/assignee). `assignee` is an accountId, an email ' +
    '(resolved to its accountId with GET /rest/api/3/user/search) or "unassigned"; default: the configured default_assignee. ' +
    'Returns the key and the accountId assigned (null when unassigned).',
  input: z.strictObject({
    key: issueKeyArg,
    assignee: assigneeArg.optional().describe('Email, accountId or "unassigned"; default: the configured default_assignee.'),
  }),
  output: z.object({ key: z.string(), assignee_account_id: z.string().nullable() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<JiraConfig>) {
    const ref = requireDefault(args.assignee ?? config.default_assignee, 'assignee', 'default_assignee');
    const accountId = ref === 'unassigned' ? null : await resolveAccountId(http, ref, signal);
    await http.request({ method: 'PUT', path: `/rest/api/3/issue/${encodeURIComponent(args.key)}/assignee`, json: { accountId }, responseType: 'text', signal });
    return {
      text: accountId === null ? `Unassigned ${args.key}` : `Assigned ${args.key} to ${ref === accountId ? accountId : `${ref} (${accountId})`}`,
      structured: { key: args.key, assignee_account_id: accountId },
    };
  },
});
