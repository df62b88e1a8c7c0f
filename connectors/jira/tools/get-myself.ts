import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { JiraConfig } from '../config.js';
import { JiraUserSchema, parseUpstream } from '../upstream.js';

export const getMyself = defineTool({
  name: 'get_myself',
  title: 'Who am I in Jira',
  description:
    'Returns the Jira account these credentials act as (GET /rest/api/3/myself): accountId, display name, email ' +
    '(when the profile shows it), time zone and whether the account is active.',
  input: z.strictObject({}),
  output: z.object({
    account_id: z.string(),
    display_name: z.string().nullable(),
    email: z.string().nullable(),
    time_zone: z.string().nullable(),
    active: z.boolean().nullable(),
    account_type: z.string().nullable(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(_args, { http, signal }: ToolContext<JiraConfig>) {
    const res = await http.request({ method: 'GET', path: '/rest/api/3/myself', signal });
    const u = parseUpstream(JiraUserSchema, res.data, 'GET /rest/api/3/myself');
    const me = {
      account_id: u.accountId,
      display_name: u.displayName ?? null,
      email: u.emailAddress ?? null,
      time_zone: u.timeZone ?? null,
      active: u.active ?? null,
      account_type: u.accountType ?? null,
    };
    return { text: `${me.display_name ?? me.account_id}${me.email ? ` <${me.email}>` : ''} (accountId ${me.account_id})`, structured: me };
  },
});
