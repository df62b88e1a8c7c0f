import { z } from 'zod';
import type { Tool, CallToolResult } from '@modelcontextprotocol/server';
import type { HttpClient } from '../../src/http/types.js';
import { errorMessage } from '../../src/domain/errors.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool's function receives: the HTTP client already carries base URL and credentials. */
export interface ToolContext<Config> {
  http: HttpClient;
  config: Config;
  signal: AbortSignal;
}

export interface ToolOutput<Out> {
  text: string;
  structured: Out;
}

/** A refusal that costs no upstream request: the message tells the caller what to fix. */
export class ToolInputError extends Error {}

export interface BuiltinTool<Config> {
  name: string;
  readOnly: boolean;
  descriptor: Tool;
  run(rawArgs: Record<string, unknown>, ctx: ToolContext<Config>): Promise<CallToolResult>;
}

export function defineTool<Config, I extends z.ZodObject, O extends z.ZodObject>(spec: {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.infer<I>, ctx: ToolContext<Config>): Promise<ToolOutput<z.infer<O>>>;
}): BuiltinTool<Config> {
  const descriptor: Tool = {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: toObjectSchema(spec.input, 'input'),
    outputSchema: toObjectSchema(spec.output, 'output'),
    annotations: { title: spec.title, ...spec.annotations },
  };
  return {
    name: spec.name,
    readOnly: spec.annotations.readOnlyHint,
    descriptor,
    async run(rawArgs, ctx) {
      const parsed = spec.input.safeParse(rawArgs);
      if (!parsed.success) return errorResult(`Invalid arguments for ${spec.name}: ${describeZodError(parsed.error)}`);
      try {
        const out = await spec.run(parsed.data, ctx);
        return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured as Record<string, unknown> };
      } catch (e) {
        // Service failures (UpstreamError) go up: the gateway reports them and updates health.
        if (e instanceof ToolInputError) return errorResult(e.message);
        throw e;
      }
    },
  };
}

export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function toObjectSchema(schema: z.ZodObject, io: 'input' | 'output'): Tool['inputSchema'] {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: 'object' } as Tool['inputSchema'];
}

/** "owner: must be a string; per_page: must be at most 100" — field first, then the rule. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

export { errorMessage };
