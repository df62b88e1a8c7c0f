import { z } from 'zod';
import { clickupTool } from '../tool.js';
import { customIdFields, taskId, taskRefQuery } from '../params.js';

export const deleteTask = clickupTool({
  name: 'delete_task',
  title: 'Delete a ClickUp task',
  description:
    'Deletes a ClickUp task (it goes to the workspace trash, with its subtasks and comments). Custom task ids need ' +
    'custom_task_id: true and a workspace (default: the configured workspace_id). Returns the deleted id.',
  input: z.strictObject({
    task_id: taskId.describe('Task id, or a custom id with custom_task_id: true'),
    ...customIdFields,
  }),
  output: z.object({ task_id: z.string(), deleted: z.literal(true) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const query = taskRefQuery('delete_task', args, config);
    // ClickUp answers 204 with no body: read it as text so an empty body is not a JSON error.
    await http.request({ method: 'DELETE', path: `/task/${args.task_id}`, query, responseType: 'text', signal });
    return { text: `Deleted task ${args.task_id}`, structured: { task_id: args.task_id, deleted: true as const } };
  },
});
