import { z } from 'zod';
import { clickupTool, READ_ONLY } from '../tool.js';
import { customIdFields, taskId, taskRefQuery } from '../params.js';
import { CommentsResponseSchema, CreatedCommentSchema, isoFromEpochMs, parseUpstream } from '../shapes.js';

/** ClickUp returns the 25 newest comments; older ones are reached with start/start_id of the oldest. */
const COMMENTS_PAGE = 25;

const CommentOut = z.object({
  id: z.string(),
  text: z.string(),
  author: z.string().nullable().describe('username, else email'),
  author_id: z.number().nullable(),
  date: z.string().nullable().describe('ISO 8601'),
  resolved: z.boolean(),
});

export const listComments = clickupTool({
  name: 'list_comments',
  title: 'List comments on a ClickUp task',
  description:
    'Lists the comments of a ClickUp task, newest first, 25 at a time. To read older ones, pass the returned ' +
    'next.start and next.start_id. Custom task ids need custom_task_id: true and a workspace (default: the configured workspace_id).',
  input: z.strictObject({
    task_id: taskId.describe('Task id, or a custom id with custom_task_id: true'),
    ...customIdFields,
    start: z.int().nonnegative().optional().describe('Epoch ms of the oldest comment already seen (from next.start)'),
    start_id: z.string().regex(/^\d{1,30}$/, { error: 'must be a comment id (digits only)' }).optional().describe('Id of that comment (from next.start_id)'),
  }),
  output: z.object({
    task_id: z.string(),
    comments: z.array(CommentOut),
    next: z.object({ start: z.number(), start_id: z.string() }).nullable().describe('Cursor for older comments, null when none'),
  }),
  annotations: READ_ONLY,
  async run(args, { http, config, signal }) {
    const query = { ...taskRefQuery('list_comments', args, config), start: args.start, start_id: args.start_id };
    const res = await http.request({ method: 'GET', path: `/task/${args.task_id}/comment`, query, signal });
    const raw = parseUpstream(CommentsResponseSchema, res.data, 'comment list').comments;
    const comments = raw.map((c) => ({
      id: c.id,
      text: c.comment_text,
      author: c.user?.username ?? c.user?.email ?? null,
      author_id: c.user?.id ?? null,
      date: isoFromEpochMs(c.date),
      resolved: c.resolved,
    }));
    const oldest = raw.at(-1);
    const next = raw.length >= COMMENTS_PAGE && oldest ? { start: Number(oldest.date), start_id: oldest.id } : null;
    const lines = comments.map((c) => `- ${c.author ?? 'unknown'} (${c.date?.slice(0, 16) ?? '?'}): ${oneLine(c.text)}`);
    const head = `${comments.length} comment(s) on task ${args.task_id}${next ? ' (older ones: pass next.start and next.start_id)' : ''}`;
    return { text: [head, ...lines].join('\n'), structured: { task_id: args.task_id, comments, next } };
  },
});

export const addComment = clickupTool({
  name: 'add_comment',
  title: 'Comment on a ClickUp task',
  description:
    'Adds a comment to a ClickUp task. notify_all also notifies the creator of the comment; assignee assigns the ' +
    'comment to a user id. Custom task ids need custom_task_id: true and a workspace. Returns the comment id.',
  input: z.strictObject({
    task_id: taskId.describe('Task id, or a custom id with custom_task_id: true'),
    ...customIdFields,
    comment_text: z.string().trim().min(1, { error: 'must not be empty' }).max(50_000).describe('The comment'),
    notify_all: z.boolean().optional().describe('Notify everyone, the author included (default false)'),
    assignee: z.int().positive().optional().describe('User id to assign the comment to'),
  }),
  output: z.object({ id: z.string(), task_id: z.string(), date: z.string().nullable() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const query = taskRefQuery('add_comment', args, config);
    const body = { comment_text: args.comment_text, notify_all: args.notify_all ?? false, assignee: args.assignee };
    const res = await http.request({ method: 'POST', path: `/task/${args.task_id}/comment`, query, json: body, signal });
    const created = parseUpstream(CreatedCommentSchema, res.data, 'created comment');
    return {
      text: `Commented on task ${args.task_id} (comment ${created.id})`,
      structured: { id: created.id, task_id: args.task_id, date: isoFromEpochMs(created.date) },
    };
  },
});

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
