import { z } from 'zod';
import { ToolInputError } from '../../kit/tool.js';
import { clickupTool } from '../tool.js';
import { isoDate, numericId, priority, priorityNumber, required, toEpochMs } from '../params.js';
import { TaskOut, UpstreamTaskSchema, parseUpstream, taskLine, toTaskOut } from '../shapes.js';

export const createTask = clickupTool({
  name: 'create_task',
  title: 'Create a ClickUp task',
  description:
    'Creates a task in a ClickUp list. list_id defaults to the configured list_id; priority defaults to the configured ' +
    'default_priority (else none). Give the description as plain text (description) or markdown (markdown_description), ' +
    'not both. due_date is an ISO date or date-time. Returns the new task with its id and url.',
  input: z.strictObject({
    list_id: numericId('list').optional().describe('List to create the task in; defaults to the configured list_id'),
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(1024).describe('Task name'),
    description: z.string().max(100_000).optional().describe('Plain-text description'),
    markdown_description: z.string().max(100_000).optional().describe('Markdown description'),
    assignees: z.array(z.int().positive()).max(50).optional().describe('User ids to assign'),
    tags: z.array(z.string().min(1)).max(50).optional().describe('Tag names'),
    status: z.string().min(1).optional().describe("A status of the list (default: the list's first status)"),
    priority: priority.optional(),
    due_date: isoDate.optional().describe('Due date, ISO 8601'),
  }),
  output: TaskOut,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, config, signal }) {
    if (args.description !== undefined && args.markdown_description !== undefined) {
      throw new ToolInputError('create_task: give description or markdown_description, not both');
    }
    const listId = required('create_task', 'list_id', args.list_id, config);
    const p = args.priority === undefined ? config.default_priority : priorityNumber(args.priority);
    const body = {
      name: args.name,
      description: args.description,
      markdown_description: args.markdown_description,
      assignees: args.assignees,
      tags: args.tags,
      status: args.status,
      priority: p,
      due_date: args.due_date === undefined ? undefined : toEpochMs(args.due_date),
      // A bare date has no meaningful time of day; a date-time does.
      due_date_time: args.due_date === undefined ? undefined : args.due_date.includes('T'),
    };
    const res = await http.request({ method: 'POST', path: `/list/${listId}/task`, json: body, signal });
    const task = toTaskOut(parseUpstream(UpstreamTaskSchema, res.data, 'created task'));
    return { text: `Created ${taskLine(task).slice(2)}\n${task.url}`, structured: task };
  },
});
