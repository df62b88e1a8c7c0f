import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import { collectItems } from '../../../src/http/pagination.js';
import { paginateJira } from '../paging.js';
import { browseUrl, type JiraConfig } from '../config.js';
import { JiraProjectPageSchema, parseUpstream } from '../upstream.js';

const PAGE_MAX = 50;
const MAX_PAGES = 20;

const ProjectOut = z.object({ id: z.string(), key: z.string(), name: z.string(), project_type: z.string().nullable(), url: z.string().nullable() });

export const listProjects = defineTool({
  name: 'list_projects',
  title: 'List Jira projects',
  description:
    'Lists the projects the user can browse (GET /rest/api/3/project/search, following startAt pages until isLast or `limit`), ' +
    'optionally filtered by `query` (matched against key and name). Returns each project\'s id, key, name, type and browse URL.',
  input: z.strictObject({
    query: z.string().trim().min(1).max(255).optional().describe('Filter: text in the project key or name.'),
    limit: z.number().int().min(1).max(500).default(100).describe('Most projects to return (default 100).'),
  }),
  output: z.object({ projects: z.array(ProjectOut), has_more: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<JiraConfig>) {
    const pages = paginateJira(
      http,
      { method: 'GET', path: '/rest/api/3/project/search', query: { startAt: 0, maxResults: Math.min(PAGE_MAX, args.limit), orderBy: 'key', query: args.query }, signal },
      { maxItems: args.limit, maxPages: MAX_PAGES, items: (d) => parseUpstream(JiraProjectPageSchema, d, 'GET /rest/api/3/project/search').values },
    );
    const { items, hasMore: more } = await collectItems(pages);
    const limited = items.map((p) => ({ id: p.id, key: p.key, name: p.name, project_type: p.projectTypeKey ?? null, url: browseUrl(config, p.key) ?? null }));
    const head = limited.length === 0 ? 'No projects found' : `${limited.length} project(s)${more ? ' (more available: raise limit or narrow query)' : ''}:`;
    return { text: [head, ...limited.map((p) => `- ${p.key}: ${p.name}`)].join('\n'), structured: { projects: limited, has_more: more } };
  },
});
