import { z } from 'zod';
import { ToolInputError } from '../kit/tool.js';
import type { ClickupConfig } from './config.js';

export { numericId } from './config.js';

/**
 * Task ids are path segments: only the characters ClickUp uses ("86abc12", custom "DEV-42"),
 * so an argument can never step outside /task/{id}.
 */
export const taskId = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be a ClickUp task id such as 86abc12, or a custom task id such as DEV-42' });

/** Agents speak ISO; ClickUp wants epoch milliseconds. */
export const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be an ISO 8601 date (2025-12-31) or date-time with offset (2025-12-31T17:00:00Z)',
});

export function toEpochMs(iso: string): number {
  // A bare date means midnight UTC, which is how Date.parse reads YYYY-MM-DD.
  return Date.parse(iso);
}

const PRIORITY_BY_NAME = { urgent: 1, high: 2, normal: 3, low: 4 } as const;
const PRIORITY_RULE = 'must be 1 (urgent), 2 (high), 3 (normal), 4 (low), or one of those names';
export const priority = z
  .union(
    [
      z.int({ error: PRIORITY_RULE }).min(1, { error: PRIORITY_RULE }).max(4, { error: PRIORITY_RULE }),
      z.enum(['urgent', 'high', 'normal', 'low'], { error: PRIORITY_RULE }),
    ],
    { error: PRIORITY_RULE },
  )
  .describe('1 urgent, 2 high, 3 normal, 4 low (or the name)');

export function priorityNumber(p: z.infer<typeof priority>): number {
  return typeof p === 'number' ? p : PRIORITY_BY_NAME[p];
}

/** The argument wins; else the configuration's default; else a refusal naming both. */
export function required<K extends 'workspace_id' | 'list_id'>(
  tool: string,
  arg: K,
  value: string | undefined,
  config: ClickupConfig,
): string {
  const v = value ?? config[arg];
  if (v === undefined) {
    throw new ToolInputError(`${tool}: ${arg} is required: pass ${arg}, or set ${arg} in this ClickUp configuration`);
  }
  return v;
}

/** Fields every task-addressing tool takes, to reach a task by its custom id. */
export const customIdFields = {
  custom_task_id: z
    .boolean()
    .optional()
    .describe('true when task_id is a custom task id (e.g. DEV-42); the workspace is then needed'),
  workspace_id: z.string().regex(/^\d{1,20}$/, { error: 'must be a workspace id (digits only)' }).optional()
    .describe('Workspace for custom task ids; defaults to the configured workspace_id'),
};

export function taskRefQuery(
  tool: string,
  args: { custom_task_id?: boolean | undefined; workspace_id?: string | undefined },
  config: ClickupConfig,
): Record<string, string> {
  if (!args.custom_task_id) return {};
  // ClickUp resolves custom ids only within a workspace: team_id must come with them.
  return { custom_task_ids: 'true', team_id: required(tool, 'workspace_id', args.workspace_id, config) };
}
