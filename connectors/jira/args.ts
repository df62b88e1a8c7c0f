import { z } from 'zod';
import { ToolInputError } from '../kit/tool.js';
import { PROJECT_KEY_RE } from './config.js';
import { assigneeRef } from './config.js';

/** Issue keys (PROJ-123) or numeric ids; anything else would address a different resource. */
export const issueKeyArg = z
  .string()
  .trim()
  .regex(/^(?:[A-Z][A-Z0-9_]+-\d+|\d+)$/, { error: 'must be an issue key like PROJ-123 or a numeric issue id' })
  .describe('Issue key (e.g. PROJ-123) or numeric issue id.');

export const projectKeyArg = z
  .string()
  .regex(PROJECT_KEY_RE, { error: 'must be a project key: an uppercase letter, then 1-9 uppercase letters, digits or _' });

/** Jira labels cannot contain spaces. */
export const labelsArg = z
  .array(z.string().min(1, { error: 'labels must not be empty' }).max(255).regex(/^\S+$/, { error: 'labels must not contain spaces' }))
  .max(50)
  .describe('Labels (no spaces), e.g. ["backend", "urgent"].');

export const priorityArg = z.string().trim().min(1).max(255).describe('Priority name, e.g. "High".');

/** An email, an accountId, or "unassigned". */
export const assigneeArg = z.union([z.literal('unassigned'), assigneeRef]);

export function requireDefault<T>(value: T | undefined, field: string, configField: string): T {
  if (value === undefined) {
    throw new ToolInputError(`${field} is required: pass it or set ${configField} in the Jira configuration`);
  }
  return value;
}
