import { z } from 'zod';
import { ToolInputError } from '../kit/tool.js';
import { GraphIdSchema, type TeamsConfig } from './config.js';

export const teamIdArg = GraphIdSchema.optional().describe('Team (group) id. Default: the configured team_id.');
export const channelIdArg = GraphIdSchema.optional().describe(
  'Channel id, e.g. 19:…@thread.tacv2. Default: the configured channel_id, when the team is the configured team.',
);
export const limitArg = (fallback: number, max: number, what: string) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be at least 1' })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback)
    .describe(`How many ${what} to return (1-${max}, default ${fallback}); pages are followed as needed.`);

export function resolveTeam(args: { team_id?: string | undefined }, config: TeamsConfig): string {
  const team = args.team_id ?? config.team_id;
  if (team === undefined) throw new ToolInputError('team_id is required: pass team_id or set team_id in the configuration');
  return team;
}

/**
 * The configured channel belongs to the configured team, so it is a default only there: a call
 * that names another team must name its channel too.
 */
export function resolveChannel(args: { team_id?: string | undefined; channel_id?: string | undefined }, config: TeamsConfig): { team: string; channel: string } {
  const team = resolveTeam(args, config);
  const channel = args.channel_id ?? (team === config.team_id ? config.channel_id : undefined);
  if (channel === undefined) {
    throw new ToolInputError(
      team === config.team_id
        ? 'channel_id is required: pass channel_id or set channel_id in the configuration'
        : `channel_id is required: the configured channel_id belongs to team ${config.team_id ?? '(none)'}, not ${team}`,
    );
  }
  return { team, channel };
}

export const messageIdArg = GraphIdSchema.describe('Id of the top-level channel message (from list_channel_messages).');
export const chatIdArg = GraphIdSchema.describe('Chat id, e.g. 19:…@thread.v2 (from list_chats).');

const MAX_CONTENT = 28_000;
export const contentArgs = {
  content: z
    .string({ error: 'must be a string' })
    .regex(/\S/, { error: 'must not be empty or only whitespace' })
    .max(MAX_CONTENT, { error: `must be at most ${MAX_CONTENT} characters (Teams' message size limit)` })
    .describe('The message. Plain text unless content_type is html.'),
  content_type: z.enum(['text', 'html'], { error: 'must be text or html' }).default('text').describe('text (default) or html.'),
};
