import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MCPB_CLI = fileURLToPath(new URL('../../node_modules/@anthropic-ai/mcpb/dist/cli/cli.js', import.meta.url));

/** The fields these tests read; the full schema check is `mcpb validate`'s job. */
const UserConfigOption = z.object({
  type: z.enum(['string', 'number', 'boolean', 'directory', 'file']),
  title: z.string(),
  description: z.string(),
  required: z.boolean().optional(),
  default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]).optional(),
  sensitive: z.boolean().optional(),
});
export const ManifestShape = z.object({
  manifest_version: z.string(),
  name: z.string(),
  display_name: z.string(),
  version: z.string(),
  description: z.string(),
  long_description: z.string(),
  license: z.string(),
  author: z.object({ name: z.string() }),
  repository: z.object({ type: z.string(), url: z.string() }).optional(),
  server: z.object({
    type: z.literal('node'),
    entry_point: z.string(),
    mcp_config: z.object({ command: z.string(), args: z.array(z.string()), env: z.record(z.string(), z.string()) }),
  }),
  tools_generated: z.boolean(),
  user_config: z.record(z.string(), UserConfigOption),
  compatibility: z.object({ platforms: z.array(z.string()), runtimes: z.object({ node: z.string() }) }),
  keywords: z.array(z.string()),
});
export type Manifest = z.infer<typeof ManifestShape>;

export const PackageShape = z.object({
  name: z.string(),
  version: z.string(),
  license: z.string(),
  engines: z.object({ node: z.string() }),
  bin: z.record(z.string(), z.string()),
  scripts: z.record(z.string(), z.string()),
  repository: z.union([z.string(), z.object({ type: z.string(), url: z.string() })]).optional(),
});

export function readJson<T>(file: string, shape: z.ZodType<T>): T {
  return shape.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; the caller asserts on the exit code and output. */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
