import { z } from 'zod';
import { clickupTool, READ_ONLY } from '../tool.js';
import { numericId, required } from '../params.js';
import { TaskPageOut, filterQuery, readTaskPages, taskFilterFields, taskPageText } from '../task-query.js';

export const listTasks = clickupTool({
  name: 'list_tasks',
  title: 'List tasks in a ClickUp list',
  description:
    'Lists the tasks of one ClickUp list (ordered by creation unless order_by says otherwise), filtered by statuses, assignees, tags and due dates ' +
    '(ISO dates). list_id defaults to the configured list_id. Closed tasks are left out unless include_closed is true. ' +
    'Reads max_pages pages of 100 tasks from page (default: one page from 0) and returns next_page when there are more.',
  input: z.strictObject({
    list_id: numericId('list').optional().describe('List id; defaults to the configured list_id'),
    ...taskFilterFields,
  }),
  output: TaskPageOut.extend({ list_id: z.string() }),
  annotations: READ_ONLY,
  async run(args, { http, config, signal }) {
    const listId = required('list_tasks', 'list_id', args.list_id, config);
    const out = await readTaskPages(http, `/list/${listId}/task`, filterQuery(args), args, signal);
    return { text: taskPageText(`in list ${listId}`, out), structured: { list_id: listId, ...out } };
  },
});
