import { z } from 'zod';
import { UpstreamError } from '../../src/domain/errors.js';
import { describeZodError } from '../kit/tool.js';

/*
 * ClickUp's v2 response shapes, reduced to the fields the tools use. Objects are not strict:
 * the service adds fields freely, and the tools trim each object to what an agent needs.
 */

/** ClickUp sends epoch milliseconds as strings ("1567780450202"), sometimes as numbers. */
const epochMs = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
const idLike = z.union([z.string(), z.number()]).transform(String);

export const UserSchema = z.object({
  id: z.number(),
  username: z.string().nullish(),
  email: z.string().nullish(),
});

export const TeamsResponseSchema = z.object({
  teams: z.array(
    z.object({
      id: idLike,
      name: z.string(),
      members: z.array(z.object({ user: UserSchema.partial() })).default([]),
    }),
  ),
});

export const SpacesResponseSchema = z.object({
  spaces: z.array(
    z.object({
      id: idLike,
      name: z.string(),
      private: z.boolean().default(false),
      archived: z.boolean().default(false),
      statuses: z.array(z.object({ status: z.string() })).default([]),
    }),
  ),
});

const UpstreamListSchema = z.object({
  id: idLike,
  name: z.string(),
  // A string ("12") or null in the published schema; some answers send a number.
  task_count: z.union([z.string(), z.number()]).nullish(),
  archived: z.boolean().default(false),
  folder: z.object({ id: idLike, name: z.string(), hidden: z.boolean().optional() }).nullish(),
  space: z.object({ id: idLike }).nullish(),
});
export type UpstreamList = z.infer<typeof UpstreamListSchema>;

export const ListsResponseSchema = z.object({ lists: z.array(UpstreamListSchema) });
export const FoldersResponseSchema = z.object({
  folders: z.array(z.object({ id: idLike, name: z.string(), lists: z.array(UpstreamListSchema).default([]) })),
});

const PRIORITY_NAMES: Record<number, string> = { 1: 'urgent', 2: 'high', 3: 'normal', 4: 'low' };

/**
 * A task's priority: `{ id, priority, color, orderindex }` in Get Task and Get Tasks, an integer
 * 1-4 in Get Filtered Team Tasks' published schema, null when unset. Read as its name.
 */
const PrioritySchema = z.union([
  z.object({ priority: z.string().nullish(), id: idLike.nullish() }),
  z.number().int(),
]);
function priorityName(p: z.infer<typeof PrioritySchema> | null | undefined): string | null {
  if (p === null || p === undefined) return null;
  if (typeof p === 'number') return PRIORITY_NAMES[p] ?? String(p);
  return p.priority ?? (p.id ? (PRIORITY_NAMES[Number(p.id)] ?? null) : null);
}

/** A list's task count: a digit string (or number) to a number, anything else to null. */
export function taskCount(v: string | number | null | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
}

export const UpstreamTaskSchema = z.object({
  id: z.string(),
  custom_id: z.string().nullish(),
  name: z.string(),
  status: z.object({ status: z.string(), type: z.string().nullish() }).nullish(),
  priority: PrioritySchema.nullish(),
  assignees: z.array(UserSchema).default([]),
  // Objects `{ name, tag_fg, tag_bg }`; one published schema types them as plain strings.
  tags: z.array(z.union([z.object({ name: z.string() }), z.string()])).default([]),
  due_date: epochMs.nullish(),
  date_updated: epochMs.nullish(),
  url: z.string().default(''),
  list: z.object({ id: idLike }).nullish(),
  parent: z.string().nullish(),
  text_content: z.string().nullish(),
  description: z.string().nullish(),
  markdown_description: z.string().nullish(),
});
export type UpstreamTask = z.infer<typeof UpstreamTaskSchema>;

/** `last_page` is missing on older answers; then a short page is the last one. */
export const TasksPageSchema = z.object({ tasks: z.array(UpstreamTaskSchema), last_page: z.boolean().optional() });

export const CommentsResponseSchema = z.object({
  comments: z.array(
    z.object({
      id: idLike,
      comment_text: z.string().default(''),
      user: UserSchema.partial().nullish(),
      resolved: z.boolean().default(false),
      date: epochMs,
    }),
  ),
});

/** POST /task/{id}/comment answers `{ id, hist_id, date }` with a numeric id. */
export const CreatedCommentSchema = z.object({ id: idLike, date: epochMs.nullish() });

export const UserResponseSchema = z.object({ user: UserSchema });

/** A body that does not match the documented shape is the service's fault, not the caller's. */
export function parseUpstream<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new UpstreamError('protocol', `ClickUp returned an unexpected ${what} body: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

// ---- What the tools return (output schemas) ----

export const AssigneeOut = z.object({ id: z.number(), username: z.string().nullable(), email: z.string().nullable() });

export const TaskOut = z.object({
  id: z.string(),
  custom_id: z.string().nullable(),
  name: z.string(),
  status: z.string().nullable(),
  status_type: z.string().nullable(),
  priority: z.string().nullable().describe('urgent, high, normal, low, or null'),
  assignees: z.array(AssigneeOut),
  tags: z.array(z.string()),
  due_date: z.string().nullable().describe('ISO 8601'),
  date_updated: z.string().nullable().describe('ISO 8601'),
  url: z.string(),
  list_id: z.string().nullable(),
  parent: z.string().nullable(),
});
export type TaskOut = z.infer<typeof TaskOut>;

export function isoFromEpochMs(v: string | number | null | undefined): string | null {
  if (v === null || v === undefined || v === '') return null;
  const d = new Date(Number(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function toTaskOut(t: UpstreamTask): TaskOut {
  return {
    id: t.id,
    custom_id: t.custom_id ?? null,
    name: t.name,
    status: t.status?.status ?? null,
    status_type: t.status?.type ?? null,
    priority: priorityName(t.priority),
    assignees: t.assignees.map((a) => ({ id: a.id, username: a.username ?? null, email: a.email ?? null })),
    tags: t.tags.map((x) => (typeof x === 'string' ? x : x.name)),
    due_date: isoFromEpochMs(t.due_date),
    date_updated: isoFromEpochMs(t.date_updated),
    url: t.url,
    list_id: t.list?.id ?? null,
    parent: t.parent ?? null,
  };
}

/** "- [to do] Fix login (#abc, due 2025-01-31, high)" */
export function taskLine(t: TaskOut): string {
  const extras = [`#${t.custom_id ?? t.id}`];
  if (t.due_date) extras.push(`due ${t.due_date.slice(0, 10)}`);
  if (t.priority) extras.push(t.priority);
  return `- [${t.status ?? 'no status'}] ${t.name} (${extras.join(', ')})`;
}
