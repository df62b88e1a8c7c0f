import { z } from 'zod';
import { commonConfigFields } from '../kit/connector.js';

/**
 * Graph ids: team ids are GUIDs, channel and chat ids look like `19:…@thread.tacv2`, message ids are
 * epoch-millisecond strings. They only ever become one URL path segment, so anything that could
 * escape that segment (slash, query, fragment, whitespace) is refused up front.
 */
export const GraphIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(256, { error: 'must be at most 256 characters' })
  .regex(/^[^\s/\\?#%]+$/, { error: 'must be a Graph id: no spaces, slashes, ?, # or %' })
  // A lone surrogate cannot be percent-encoded (encodeURIComponent throws URIError).
  .regex(/^\P{Cs}*$/u, { error: 'must be well-formed unicode (no lone surrogates)' });

export const TeamsConfigSchema = z.strictObject({
  ...commonConfigFields,
  /** Default team for channel tools (the team's group id). */
  team_id: GraphIdSchema.optional(),
  /** Default channel for channel tools, inside `team_id`. */
  channel_id: GraphIdSchema.optional(),
});
export type TeamsConfig = z.infer<typeof TeamsConfigSchema>;

export const GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
