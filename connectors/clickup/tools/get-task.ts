import { z } from 'zod';
import { clickupTool, READ_ONLY } from '../tool.js';
import { customIdFields, taskId, taskRefQuery } from '../params.js';
import { TaskOut, UpstreamTaskSchema, parseUpstream, taskLine, toTaskOut } from '../shapes.js';

export const getTask = clickupTool({
  name: 'get_task',
  title: 'Get a ClickUp task',
  description:
    'Reads one ClickUp task by id, or by custom task id (custom_task_id: true, within workspace_id, which defaults to ' +
    'the configured workspace_id). Returns its status, priority, assignees, tags, due date, url and description (markdown).',
  input: z.strictObject({
    task_id: taskId.describe('Task id (e.g. 86abc12), or a custom id with custom_task_id: true'),
    ...customIdFields,
    include_subtasks: z.boolean().optional().describe('Also return the ids of its subtasks (default false)'),
  }),
  output: TaskOut.extend({
    description: z.string().nullable().describe('Markdown when ClickUp has it, else plain text'),
    subtasks: z.array(z.object({ id: z.string(), name: z.string(), status: z.string().nullable() })).optional(),
  }),
  annotations: READ_ONLY,
  async run(args, { http, config, signal }) {
    const query = {
      ...taskRefQuery('get_task', args, config),
      include_markdown_description: true,
      ...(args.include_subtasks ? { include_subtasks: true } : {}),
    };
    const res = await http.request({ method: 'GET', path: `/task/${args.task_id}`, query, signal });
    const raw = parseUpstream(
      UpstreamTaskSchema.extend({ subtasks: z.array(UpstreamTaskSchema).optional() }),
      res.data,
      'task',
    );
    const task = toTaskOut(raw);
    const description = raw.markdown_description || raw.text_content || raw.description || null;
    const subtasks = raw.subtasks?.map((s) => ({ id: s.id, name: s.name, status: s.status?.status ?? null }));
    const text = [taskLine(task), task.url, description ? `\n${truncate(description, 2000)}` : ''].filter(Boolean).join('\n');
    return { text, structured: { ...task, description, ...(subtasks ? { subtasks } : {}) } };
  },
});

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}… (${s.length - n} more characters in structured content)`;
}
