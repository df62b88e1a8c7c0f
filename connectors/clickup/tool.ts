import type { z } from 'zod';
import { defineTool, type BuiltinTool } from '../kit/tool.js';
import type { ClickupConfig } from './config.js';

/** defineTool with Config fixed, so each tool file infers its input and output types alone. */
export function clickupTool<I extends z.ZodObject, O extends z.ZodObject>(
  spec: Parameters<typeof defineTool<ClickupConfig, I, O>>[0],
): BuiltinTool<ClickupConfig> {
  return defineTool<ClickupConfig, I, O>(spec);
}

export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
