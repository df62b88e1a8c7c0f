import { z } from 'zod';
import { UpstreamError } from '../../src/domain/errors.js';

/**
 * The parts of Jira REST v3 responses the tools read. Objects are not strict: Jira adds fields
 * freely, and a missing optional field must not fail a call.
 */

export const JiraUserSchema = z.object({
  accountId: z.string(),
  accountType: z.string().optional(),
  displayName: z.string().optional(),
  // Hidden by the user's profile visibility settings more often than not.
  emailAddress: z.string().optional(),
  active: z.boolean().optional(),
  timeZone: z.string().optional(),
});
export type JiraUser = z.infer<typeof JiraUserSchema>;

export const JiraCommentSchema = z.object({
  id: z.string(),
  author: JiraUserSchema.partial().optional(),
  body: z.unknown().optional(),
  created: z.string().optional(),
  updated: z.string().optional(),
});
export type JiraComment = z.infer<typeof JiraCommentSchema>;

/**
 * Jira Cloud's OpenAPI marks almost every field optional (StatusDetails, IssueTypeDetails,
 * Priority, IssueTransition…): a missing name is read as null, never a failed call.
 */
const named = z.object({ name: z.string().optional() });
const StatusSchema = z.object({ name: z.string().optional(), statusCategory: z.object({ key: z.string().optional(), name: z.string().optional() }).optional() });

export const JiraIssueSchema = z.object({
  id: z.string(),
  key: z.string(),
  self: z.string().optional(),
  // Loose: extra fields the caller asked for (customfield_…) must survive parsing.
  fields: z
    .looseObject({
      summary: z.string().nullable().optional(),
      description: z.unknown().optional(),
      status: StatusSchema.nullable().optional(),
      issuetype: named.nullable().optional(),
      project: z.object({ key: z.string().optional(), name: z.string().optional() }).nullable().optional(),
      assignee: JiraUserSchema.nullable().optional(),
      reporter: JiraUserSchema.nullable().optional(),
      labels: z.array(z.string()).nullable().optional(),
      priority: named.nullable().optional(),
      created: z.string().nullable().optional(),
      updated: z.string().nullable().optional(),
      comment: z.object({ comments: z.array(JiraCommentSchema), total: z.number().optional() }).nullable().optional(),
    })
    .default({}),
});
export type JiraIssue = z.infer<typeof JiraIssueSchema>;

/** POST /rest/api/3/search/jql: the last page carries no nextPageToken (JRACLOUD-92184). */
export const JiraSearchPageSchema = z.object({
  issues: z.array(JiraIssueSchema).default([]),
  nextPageToken: z.string().nullable().optional(),
  isLast: z.boolean().optional(),
});

export const JiraCreatedIssueSchema = z.object({ id: z.string(), key: z.string(), self: z.string().optional() });

export const JiraTransitionSchema = z.object({
  // Optional in the published schema too, but a transition without an id cannot be made.
  id: z.string(),
  name: z.string().optional(),
  to: StatusSchema.extend({ id: z.string().optional() }).optional(),
  hasScreen: z.boolean().optional(),
});
export const JiraTransitionsSchema = z.object({ transitions: z.array(JiraTransitionSchema).default([]) });
export type JiraTransition = z.infer<typeof JiraTransitionSchema>;

export const JiraProjectSchema = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  projectTypeKey: z.string().optional(),
  style: z.string().optional(),
  simplified: z.boolean().optional(),
});
/** GET /rest/api/3/project/search: offset pages (startAt/maxResults) that say isLast. */
export const JiraProjectPageSchema = z.object({
  values: z.array(JiraProjectSchema).default([]),
  startAt: z.number().optional(),
  maxResults: z.number().optional(),
  total: z.number().optional(),
  isLast: z.boolean().optional(),
});

export const JiraUserListSchema = z.array(JiraUserSchema);

/** A Jira answer that does not have the documented shape is a protocol failure, not a crash. */
export function parseUpstream<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
  throw new UpstreamError('protocol', `Jira answered ${what} with an unexpected body${where}: ${issue?.message ?? 'invalid'}`);
}
