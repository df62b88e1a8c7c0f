import type { z } from 'zod';
import { defineTool, type BuiltinTool } from '../kit/tool.js';
import type { GithubConfig } from './config.js';

type Spec<I extends z.ZodObject, O extends z.ZodObject> = Parameters<typeof defineTool<GithubConfig, I, O>>[0];

/** `defineTool` with the config type fixed, so each tool's input/output types are still inferred. */
export function githubTool<I extends z.ZodObject, O extends z.ZodObject>(spec: Spec<I, O>): BuiltinTool<GithubConfig> {
  return defineTool<GithubConfig, I, O>(spec);
}
