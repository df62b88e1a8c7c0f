import { z } from 'zod';
import { ToolInputError } from '../../kit/tool.js';
import { clickupTool } from '../tool.js';
import { customIdFields, isoDate, priority, priorityNumber, taskId, taskRefQuery, toEpochMs } from '../params.js';
import { TaskOut, UpstreamTaskSchema, parseUpstream, taskLine, toTaskOut } from '../shapes.js';

const CHANGES = ['name', 'description', 'markdown_description', 'status', 'priority', 'due_date', 'assignees_add', 'assignees_remove', 'archived'] as const;

export const updateTask = clickupTool({
  name: 'update_task',
  title: 'Update a ClickUp task',
  description:
    'Changes the given fields of a ClickUp task and leaves the others as they are: name, description (plain or markdown), ' +
    'status, priority (null removes it), due_date (ISO; null removes it), assignees to add or remove, archived. ' +
    'Tags are not changed here (ClickUp updates them separately). Custom task ids need custom_task_id: true and a ' +
    'workspace (default: the configured workspace_id). Returns the updated task.',
  input: z.strictObject({
    task_id: taskId.describe('Task id, or a custom id with custom_task_id: true'),
    ...customIdFields,
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(1024).optional(),
    description: z.string().max(100_000).optional().describe('New plain-text description'),
    markdown_description: z.string().max(100_000).optional().describe('New markdown description'),
    status: z.string().min(1).optional().describe('A status of the task\'s list'),
    priority: priority.nullable().optional(),
    due_date: isoDate.nullable().optional().describe('New due date, ISO 8601; null removes it'),
    assignees_add: z.array(z.int().positive()).max(50).optional().describe('User ids to assign'),
    assignees_remove: z.array(z.int().positive()).max(50).optional().describe('User ids to unassign'),
    archived: z.boolean().optional(),
  }),
  output: TaskOut,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    if (!CHANGES.some((k) => args[k] !== undefined)) {
      throw new ToolInputError(`update_task: nothing to change: give at least one of ${CHANGES.join(', ')}`);
    }
    if (args.description !== undefined && args.markdown_description !== undefined) {
      throw new ToolInputError('update_task: give description or markdown_description, not both');
    }
    const query = taskRefQuery('update_task', args, config);
    const assignees =
      args.assignees_add || args.assignees_remove ? { add: args.assignees_add ?? [], rem: args.assignees_remove ?? [] } : undefined;
    const body = {
      name: args.name,
      description: args.description,
      // Update Task documents the markdown field as markdown_content (Create Task as markdown_description).
      markdown_content: args.markdown_description,
      status: args.status,
      priority: args.priority === undefined ? undefined : args.priority === null ? null : priorityNumber(args.priority),
      due_date: args.due_date === undefined ? undefined : args.due_date === null ? null : toEpochMs(args.due_date),
      due_date_time: typeof args.due_date === 'string' ? args.due_date.includes('T') : undefined,
      assignees,
      archived: args.archived,
    };
    const res = await http.request({ method: 'PUT', path: `/task/${args.task_id}`, query, json: body, signal });
    const task = toTaskOut(parseUpstream(UpstreamTaskSchema, res.data, 'updated task'));
    return { text: `Updated ${taskLine(task).slice(2)}`, structured: task };
  },
});
