import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import type { TeamsConfig } from '../config.js';
import { listAll, seg } from '../graph.js';
import { resolveTeam, teamIdArg } from '../target.js';

const GraphChannel = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  description: z.string().nullish(),
  membershipType: z.string().nullish(),
  webUrl: z.string().nullish(),
});
const Channel = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  description: z.string().nullable(),
  membershipType: z.string().nullable(),
  webUrl: z.string().nullable(),
});

const MAX_CHANNELS = 1000;

export const listChannels = defineTool({
  name: 'list_channels',
  title: 'List channels of a team',
  description:
    'Lists the channels of a team that the signed-in user can see (GET /teams/{team-id}/channels). ' +
    'team_id defaults to the configured team_id. Returns each channel’s id (usable as channel_id), display name, ' +
    'description, membership type (standard, private, shared) and web URL.',
  input: z.strictObject({ team_id: teamIdArg }),
  output: z.object({ team_id: z.string(), channels: z.array(Channel) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }: ToolContext<TeamsConfig>) {
    const team = resolveTeam(args, config);
    const page = await listAll(http, { path: `/teams/${seg(team)}/channels` }, GraphChannel, MAX_CHANNELS, signal);
    const channels = page.items.map((c) => ({
      id: c.id,
      displayName: c.displayName ?? null,
      description: c.description ?? null,
      membershipType: c.membershipType ?? null,
      webUrl: c.webUrl ?? null,
    }));
    const text = channels.length
      ? `Channels of team ${team} (${channels.length}):\n${channels
          .map((c) => `- ${c.displayName ?? '(unnamed)'} (${c.id})${c.membershipType && c.membershipType !== 'standard' ? ` [${c.membershipType}]` : ''}`)
          .join('\n')}`
      : `Team ${team} has no channels visible to you.`;
    return { text, structured: { team_id: team, channels } };
  },
});
