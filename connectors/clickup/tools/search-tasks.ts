import { z } from 'zod';
import { clickupTool, READ_ONLY } from '../tool.js';
import { numericId, required } from '../params.js';
import { TaskPageOut, filterQuery, readTaskPages, taskFilterFields, taskPageText } from '../task-query.js';

export const searchTasks = clickupTool({
  name: 'search_tasks',
  title: 'Search tasks across a ClickUp workspace',
  description:
    'Finds tasks anywhere in a ClickUp workspace (ClickUp\'s filtered team tasks), narrowed by list_ids, space_ids, ' +
    'statuses, assignees, tags and due dates (ISO dates). workspace_id defaults to the configured workspace_id. ' +
    'Closed tasks are left out unless include_closed is true. Reads max_pages pages of 100 tasks from page ' +
    '(default: one page from 0) and returns next_page when there are more.',
  input: z.strictObject({
    workspace_id: numericId('workspace').optional().describe('Workspace (team) id; defaults to the configured workspace_id'),
    list_ids: z.array(numericId('list')).max(50).optional().describe('Only tasks in these lists'),
    space_ids: z.array(numericId('space')).max(50).optional().describe('Only tasks in these spaces'),
    ...taskFilterFields,
  }),
  output: TaskPageOut.extend({ workspace_id: z.string() }),
  annotations: READ_ONLY,
  async run(args, { http, config, signal }) {
    const workspaceId = required('search_tasks', 'workspace_id', args.workspace_id, config);
    const query = { ...filterQuery(args), 'list_ids[]': args.list_ids, 'space_ids[]': args.space_ids };
    const out = await readTaskPages(http, `/team/${workspaceId}/task`, query, args, signal);
    return { text: taskPageText(`in workspace ${workspaceId}`, out), structured: { workspace_id: workspaceId, ...out } };
  },
});
