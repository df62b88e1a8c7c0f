import { defineBuiltinConnector } from '../kit/connector.js';
import { jiraAuthorize, jiraBaseUrl, JiraConfigSchema, type JiraConfig } from './config.js';
import { addComment } from './tools/add-comment.js';
import { assignIssue } from './tools/assign-issue.js';
import { createIssue } from './tools/create-issue.js';
import { getIssue } from './tools/get-issue.js';
import { getMyself } from './tools/get-myself.js';
import { listProjects } from './tools/list-projects.js';
import { searchIssues } from './tools/search-issues.js';
import { listTransitions, transitionIssue } from './tools/transitions.js';
import { updateIssue } from './tools/update-issue.js';

export { JiraConfigSchema, type JiraConfig } from './config.js';

export const jiraConnector = defineBuiltinConnector<JiraConfig>({
  id: 'pc_jira',
  name: 'Jira',
  description: 'Jira Cloud (REST v3): search issues with JQL, read, create and edit issues, comment, transition, assign, list projects.',
  authMethods: ['api_key', 'oauth2', 'bearer'],
  configSchema: JiraConfigSchema,
  destinationFields: ['site_url', 'cloud_id'],
  defaultBaseUrl: jiraBaseUrl,
  headers: { Accept: 'application/json' },
  authorize: jiraAuthorize,
  tools: [searchIssues, getIssue, createIssue, updateIssue, addComment, listTransitions, transitionIssue, assignIssue, listProjects, getMyself],
  async healthCheck(http, _config, signal) {
    await http.request({ method: 'GET', path: '/rest/api/3/myself', signal });
  },
});
