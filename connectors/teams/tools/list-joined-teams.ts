import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { listAll } from '../graph.js';

const GraphTeam = z.object({ id: z.string(), displayName: z.string().nullish(), description: z.string().nullish(), isArchived: z.boolean().nullish() });
const Team = z.object({ id: z.string(), displayName: z.string().nullable(), description: z.string().nullable(), isArchived: z.boolean().nullable() });

/** joinedTeams is not paged by Graph in practice; the bound only guards against a runaway nextLink chain. */
const MAX_TEAMS = 1000;

export const listJoinedTeams = defineTool({
  name: 'list_joined_teams',
  title: 'List my teams',
  description:
    'Lists the Microsoft Teams teams the signed-in user is a direct member of (GET /me/joinedTeams). ' +
    'Returns each team’s id (usable as team_id in the other tools), display name, description and whether it is archived.',
  input: z.strictObject({}),
  output: z.object({ teams: z.array(Team) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(_args, { http, signal }: ToolContext<TeamsConfig>) {
    const page = await listAll(http, { path: '/me/joinedTeams' }, GraphTeam, MAX_TEAMS, signal);
    const teams = page.items.map((t) => ({
      id: t.id,
      displayName: t.displayName ?? null,
      description: t.description ?? null,
      isArchived: t.isArchived ?? null,
    }));
    const text = teams.length
      ? `Joined teams (${teams.length}):\n${teams.map((t) => `- ${t.displayName ?? '(unnamed)'} (${t.id})${t.isArchived ? ' [archived]' : ''}`).join('\n')}`
      : 'You are not a member of any team.';
    return { text, structured: { teams } };
  },
});
