import { z } from 'zod';
import type { HttpClient, QueryValue } from '../../src/http/types.js';
import { isoDate, toEpochMs } from './params.js';
import { paginateClickUpTasks } from './paging.js';
import { TaskOut, TasksPageSchema, parseUpstream, taskLine, toTaskOut } from './shapes.js';

/** Filters shared by list_tasks (one list) and search_tasks (whole workspace). */
export const taskFilterFields = {
  statuses: z.array(z.string().min(1)).max(50).optional().describe('Only tasks in these statuses (e.g. "in progress")'),
  assignees: z.array(z.int().positive()).max(50).optional().describe('Only tasks assigned to these user ids'),
  tags: z.array(z.string().min(1)).max(50).optional().describe('Only tasks with these tags'),
  include_closed: z.boolean().optional().describe('Include closed tasks (ClickUp leaves them out by default)'),
  due_date_gt: isoDate.optional().describe('Only tasks due after this ISO date/date-time'),
  due_date_lt: isoDate.optional().describe('Only tasks due before this ISO date/date-time'),
  order_by: z.enum(['id', 'created', 'updated', 'due_date']).optional().describe('Sort field (ClickUp default: created)'),
  reverse: z.boolean().optional().describe('Reverse the sort order'),
  subtasks: z.boolean().optional().describe('Include subtasks'),
  page: z.int().min(0).max(10_000).optional().describe('First page to read (ClickUp pages hold 100 tasks, from 0); default 0'),
  max_pages: z.int().min(1).max(10).optional().describe('How many pages to read at most (default 1, at most 10)'),
};

type TaskFilters = { [K in keyof typeof taskFilterFields]?: z.infer<(typeof taskFilterFields)[K]> };

export function filterQuery(f: TaskFilters): Record<string, QueryValue> {
  return {
    'statuses[]': f.statuses,
    'assignees[]': f.assignees,
    'tags[]': f.tags,
    include_closed: f.include_closed,
    due_date_gt: f.due_date_gt === undefined ? undefined : toEpochMs(f.due_date_gt),
    due_date_lt: f.due_date_lt === undefined ? undefined : toEpochMs(f.due_date_lt),
    order_by: f.order_by,
    reverse: f.reverse,
    subtasks: f.subtasks,
  };
}

export const TaskPageOut = z.object({
  tasks: z.array(TaskOut),
  first_page: z.int(),
  pages_read: z.int(),
  next_page: z.int().nullable().describe('Pass as page to read on; null when this was the last page'),
});
export type TaskPageOut = z.infer<typeof TaskPageOut>;

/** ClickUp pages by number (100 tasks each); read up to max_pages of them (see paginateClickUpTasks for where they end). */
export async function readTaskPages(
  http: HttpClient,
  path: string,
  query: Record<string, QueryValue>,
  f: TaskFilters,
  signal: AbortSignal,
): Promise<TaskPageOut> {
  const first = f.page ?? 0;
  const tasks: TaskOut[] = [];
  let pagesRead = 0;
  let more = false;
  const pages = paginateClickUpTasks(http, { method: 'GET', path, query: { ...query, page: first }, signal }, {
    maxPages: f.max_pages ?? 1,
    items: (data: unknown) => parseUpstream(TasksPageSchema, data, 'task page').tasks,
  });
  for await (const p of pages) {
    tasks.push(...p.items.map(toTaskOut));
    pagesRead = p.page;
    more = p.hasMore;
  }
  return { tasks, first_page: first, pages_read: pagesRead, next_page: more ? first + pagesRead : null };
}

const TEXT_LINES = 50;

export function taskPageText(where: string, out: TaskPageOut): string {
  const head = `${out.tasks.length} task${out.tasks.length === 1 ? '' : 's'} ${where}` +
    (out.next_page === null ? '' : ` (more from page ${out.next_page})`);
  const lines = out.tasks.slice(0, TEXT_LINES).map(taskLine);
  if (out.tasks.length > TEXT_LINES) lines.push(`… and ${out.tasks.length - TEXT_LINES} more (see structured content)`);
  return [head, ...lines].join('\n');
}
