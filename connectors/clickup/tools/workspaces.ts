import { z } from 'zod';
import { clickupTool, READ_ONLY } from '../tool.js';
import { numericId, required } from '../params.js';
import { SpacesResponseSchema, TeamsResponseSchema, parseUpstream } from '../shapes.js';

export const listWorkspaces = clickupTool({
  name: 'list_workspaces',
  title: 'List ClickUp workspaces',
  description:
    'Lists the ClickUp workspaces (called "teams" in API v2) that these credentials can access, with their ids and member counts. ' +
    'Use an id as workspace_id for list_spaces and search_tasks.',
  input: z.strictObject({}),
  output: z.object({
    workspaces: z.array(z.object({ id: z.string(), name: z.string(), member_count: z.number() })),
  }),
  annotations: READ_ONLY,
  async run(_args, { http, signal }) {
    const res = await http.request({ method: 'GET', path: '/team', signal });
    const { teams } = parseUpstream(TeamsResponseSchema, res.data, 'team list');
    const workspaces = teams.map((t) => ({ id: t.id, name: t.name, member_count: t.members.length }));
    const lines = workspaces.map((w) => `- ${w.name} (id ${w.id}, ${w.member_count} members)`);
    return { text: [`${workspaces.length} workspace(s)`, ...lines].join('\n'), structured: { workspaces } };
  },
});

const SpaceOut = z.object({
  id: z.string(),
  name: z.string(),
  private: z.boolean(),
  archived: z.boolean(),
  statuses: z.array(z.string()),
});

export const listSpaces = clickupTool({
  name: 'list_spaces',
  title: 'List ClickUp spaces',
  description:
    'Lists the spaces of a ClickUp workspace with their ids and task statuses. workspace_id defaults to the configured ' +
    'workspace_id. Archived spaces are left out unless include_archived is true.',
  input: z.strictObject({
    workspace_id: numericId('workspace').optional().describe('Workspace (team) id; defaults to the configured workspace_id'),
    include_archived: z.boolean().optional().describe('Include archived spaces (default false)'),
  }),
  output: z.object({ workspace_id: z.string(), spaces: z.array(SpaceOut) }),
  annotations: READ_ONLY,
  async run(args, { http, config, signal }) {
    const workspaceId = required('list_spaces', 'workspace_id', args.workspace_id, config);
    const res = await http.request({
      method: 'GET',
      path: `/team/${workspaceId}/space`,
      query: { archived: args.include_archived ?? false },
      signal,
    });
    const { spaces } = parseUpstream(SpacesResponseSchema, res.data, 'space list');
    const out = spaces.map((s) => ({ id: s.id, name: s.name, private: s.private, archived: s.archived, statuses: s.statuses.map((x) => x.status) }));
    const lines = out.map((s) => `- ${s.name} (id ${s.id}${s.private ? ', private' : ''}): ${s.statuses.join(', ')}`);
    return { text: [`${out.length} space(s) in workspace ${workspaceId}`, ...lines].join('\n'), structured: { workspace_id: workspaceId, spaces: out } };
  },
});
