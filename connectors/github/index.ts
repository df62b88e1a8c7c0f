import { defineBuiltinConnector } from '../kit/connector.js';
import { GithubConfigSchema, type GithubConfig } from './config.js';
import { authorizeGithub } from './auth.js';
import { checkGithub } from './health.js';
import { getMe } from './tools/get-me.js';
import { searchCode, searchIssues, searchRepositories } from './tools/search.js';
import { getFileContents } from './tools/get-file-contents.js';
import { createOrUpdateFile } from './tools/create-or-update-file.js';
import { createBranch, listBranches } from './tools/branches.js';
import { listCommits } from './tools/list-commits.js';
import { getIssue, listIssues } from './tools/issues.js';
import { addIssueComment, createIssue, updateIssue } from './tools/issue-write.js';
import { getPullRequest, getPullRequestDiff, listPullRequests } from './tools/pulls.js';
import { createPullRequest, mergePullRequest } from './tools/pull-write.js';

export { GithubConfigSchema, type GithubConfig } from './config.js';

export const GITHUB_API_VERSION = '2022-11-28';

export const githubTools = [
  getMe,
  searchRepositories,
  getFileContents,
  createOrUpdateFile,
  listBranches,
  createBranch,
  listCommits,
  searchCode,
  listIssues,
  getIssue,
  createIssue,
  updateIssue,
  addIssueComment,
  searchIssues,
  listPullRequests,
  getPullRequest,
  getPullRequestDiff,
  createPullRequest,
  mergePullRequest,
] as const;

export const githubConnector = defineBuiltinConnector<GithubConfig>({
  id: 'pc_github',
  name: 'GitHub',
  description: 'GitHub repositories, files, branches, commits, issues and pull requests (REST API v3; GitHub Enterprise via api_base_url).',
  authMethods: ['api_key', 'oauth2', 'bearer'],
  configSchema: GithubConfigSchema,
  defaultBaseUrl: () => 'https://api.github.com',
  // GitHub refuses requests without a User-Agent; the HTTP client always sends the gateway's own.
  headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': GITHUB_API_VERSION },
  authorize: authorizeGithub,
  tools: githubTools,
  healthCheck: checkGithub,
});
