import { z } from 'zod';
import { adfToText } from './adf.js';
import { browseUrl, type JiraConfig } from './config.js';
import type { JiraComment, JiraIssue, JiraUser } from './upstream.js';

/** What tools return: flat, snake_case, the useful fields only, ids and links kept. */

export const PersonOut = z.object({
  account_id: z.string(),
  display_name: z.string().nullable(),
  email: z.string().nullable(),
});

export const IssueOut = z.object({
  id: z.string(),
  key: z.string(),
  url: z.string().nullable(),
  summary: z.string().nullable(),
  status: z.string().nullable(),
  status_category: z.string().nullable(),
  issue_type: z.string().nullable(),
  project_key: z.string().nullable(),
  assignee: PersonOut.nullable(),
  priority: z.string().nullable(),
  labels: z.array(z.string()),
  created: z.string().nullable(),
  updated: z.string().nullable(),
  description: z.string().nullable().optional(),
  /** Fields asked for by id (custom fields…), as Jira returned them. */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type IssueOutput = z.infer<typeof IssueOut>;

export const CommentOut = z.object({
  id: z.string(),
  author: z.string().nullable(),
  created: z.string().nullable(),
  body: z.string(),
});

export function person(u: JiraUser | null | undefined): z.infer<typeof PersonOut> | null {
  if (!u) return null;
  return { account_id: u.accountId, display_name: u.displayName ?? null, email: u.emailAddress ?? null };
}

/** `descriptionChars` caps the description (search lists many issues; get_issue shows it whole). */
export function presentIssue(issue: JiraIssue, config: JiraConfig, descriptionChars?: number, extraFields: readonly string[] = []): IssueOutput {
  const f = issue.fields;
  const out: IssueOutput = {
    id: issue.id,
    key: issue.key,
    url: browseUrl(config, issue.key) ?? null,
    summary: f.summary ?? null,
    status: f.status?.name ?? null,
    status_category: f.status?.statusCategory?.name ?? null,
    issue_type: f.issuetype?.name ?? null,
    project_key: f.project?.key ?? null,
    assignee: person(f.assignee),
    priority: f.priority?.name ?? null,
    labels: f.labels ?? [],
    created: f.created ?? null,
    updated: f.updated ?? null,
  };
  if (f.description !== undefined) {
    const text = f.description === null ? null : adfToText(f.description);
    out.description = text !== null && descriptionChars !== undefined && text.length > descriptionChars ? text.slice(0, descriptionChars) + '…' : text;
  }
  if (extraFields.length > 0) {
    const raw = f as Record<string, unknown>;
    out.extra = Object.fromEntries(extraFields.map((id) => [id, raw[id] ?? null]));
  }
  return out;
}

export function presentComment(c: JiraComment): z.infer<typeof CommentOut> {
  return { id: c.id, author: c.author?.displayName ?? c.author?.accountId ?? null, created: c.created ?? null, body: adfToText(c.body) };
}

/** One line per issue: "PROJ-1 [In Progress] Fix login (Ada Lovelace)". */
export function issueLine(i: IssueOutput): string {
  const who = i.assignee ? ` (${i.assignee.display_name ?? i.assignee.account_id})` : ' (unassigned)';
  return `${i.key} [${i.status ?? '?'}] ${i.summary ?? ''}${who}`;
}
