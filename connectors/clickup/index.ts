import { defineBuiltinConnector } from '../kit/connector.js';
import { clickupAuthorization } from './auth.js';
import { CLICKUP_API_BASE_URL, ClickupConfigSchema, type ClickupConfig } from './config.js';
import { UserResponseSchema, parseUpstream } from './shapes.js';
import { addComment, listComments } from './tools/comments.js';
import { createTask } from './tools/create-task.js';
import { deleteTask } from './tools/delete-task.js';
import { getTask } from './tools/get-task.js';
import { listLists } from './tools/lists.js';
import { listTasks } from './tools/list-tasks.js';
import { searchTasks } from './tools/search-tasks.js';
import { updateTask } from './tools/update-task.js';
import { listSpaces, listWorkspaces } from './tools/workspaces.js';

export { ClickupConfigSchema, type ClickupConfig } from './config.js';

export const clickupTools = [
  listWorkspaces,
  listSpaces,
  listLists,
  getTask,
  listTasks,
  searchTasks,
  createTask,
  updateTask,
  deleteTask,
  listComments,
  addComment,
] as const;

export const clickupConnector = defineBuiltinConnector<ClickupConfig>({
  id: 'pc_clickup',
  name: 'ClickUp',
  description: 'ClickUp workspaces, spaces, lists, tasks and comments (API v2).',
  authMethods: ['api_key', 'oauth2', 'bearer'],
  configSchema: ClickupConfigSchema,
  defaultBaseUrl: () => CLICKUP_API_BASE_URL,
  headers: { Accept: 'application/json' },
  authorize: clickupAuthorization,
  tools: clickupTools,
  async healthCheck(http, _config, signal) {
    // GET /user needs nothing but a valid token: the cheapest proof that the credentials work.
    const res = await http.request({ method: 'GET', path: '/user', signal });
    parseUpstream(UserResponseSchema, res.data, 'user');
  },
});
