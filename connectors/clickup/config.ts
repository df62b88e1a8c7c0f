import { z } from 'zod';
import { commonConfigFields } from '../kit/connector.js';

/** ClickUp ids of workspaces (teams), spaces, folders and lists are numeric strings. */
export const numericId = (what: string) =>
  z.string({ error: `must be a ${what} id (a string of digits)` }).regex(/^\d{1,20}$/, { error: `must be a ${what} id (digits only)` });

export const ClickupConfigSchema = z.strictObject({
  ...commonConfigFields,
  /** The workspace (ClickUp calls it "team" in API v2) used when a tool is not given one. */
  workspace_id: numericId('workspace').optional().describe('Default workspace (team) id for list_spaces, search_tasks and custom task ids'),
  /** The list used by list_tasks and create_task when they are not given one. */
  list_id: numericId('list').optional().describe('Default list id for list_tasks and create_task'),
  /** 1 urgent, 2 high, 3 normal, 4 low: applied by create_task when no priority is given. */
  default_priority: z
    .int({ error: 'must be an integer from 1 (urgent) to 4 (low)' })
    .min(1, { error: 'must be at least 1 (urgent)' })
    .max(4, { error: 'must be at most 4 (low)' })
    .optional()
    .describe('Priority create_task uses when none is given: 1 urgent, 2 high, 3 normal, 4 low'),
});
export type ClickupConfig = z.infer<typeof ClickupConfigSchema>;

export const CLICKUP_API_BASE_URL = 'https://api.clickup.com/api/v2';
