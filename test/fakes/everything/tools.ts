import { z } from 'zod';
import { ProtocolError, ProtocolErrorCode, inputRequired, inputResponse, type CallToolResult, type InputRequiredResult, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { PNG_BASE64, TEXT, URI, WAV_BASE64 } from './content.js';
import { ELICITATION_ENUMS, ELICITATION_DEFAULTS, ELICITATION_USER, JSON_SCHEMA_2020_12 } from './schemas.js';

type Result = CallToolResult | InputRequiredResult;
type Handler = (args: Record<string, unknown>, ctx: ServerContext, hooks: ToolHooks) => Promise<Result>;

export interface ToolHooks {
  /**
   * Ends the SSE stream that carries the response to this request, leaving the request running: a
   * resumable (2025-era, sessionful) transport hands the rest over when the client reconnects with
   * Last-Event-ID. Absent where there is nothing to resume (the per-request 2026-07-28 era).
   */
  closeStream?: (requestId: string | number) => void;
}

const NO_ARGS = { type: 'object' as const, properties: {} };
const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Arguments checked at the boundary: a bad call is a tool error that names the field and the rule. */
function parseArgs<T>(tool: string, schema: z.ZodType<T>, args: Record<string, unknown>): T | CallToolResult {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
  return { ...text(`Invalid arguments for ${tool}: ${why}`), isError: true };
}
const isResult = (v: unknown): v is CallToolResult => typeof v === 'object' && v !== null && 'content' in v;

/**
 * Asks the client for input the way both eras can carry it: an `input_required` result, which a
 * 2026-07-28 client fulfils and retries, and which the SDK's legacy shim turns into a real
 * server-to-client request on a 2025-era session (then calls the handler again with the answer).
 */
async function elicit(ctx: ServerContext, message: string, requestedSchema: Parameters<typeof inputRequired.elicit>[0]['requestedSchema'], done: string): Promise<Result> {
  const answer = inputResponse(ctx.mcpReq.inputResponses, 'form');
  if (answer.kind === 'missing') return inputRequired({ inputRequests: { form: inputRequired.elicit({ message, requestedSchema }) } });
  if (answer.kind !== 'elicit') return { ...text(`Expected an elicitation result, got ${answer.kind}`), isError: true };
  return text(`${done}: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
}

const TOOLS: Array<{ tool: Tool; run: Handler }> = [
  {
    tool: { name: 'test_simple_text', description: 'Tests simple text content response', inputSchema: NO_ARGS },
    run: async () => text(TEXT.simple),
  },
  {
    tool: { name: 'test_image_content', description: 'Tests image content response', inputSchema: NO_ARGS },
    run: async () => ({ content: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }] }),
  },
  {
    tool: { name: 'test_audio_content', description: 'Tests audio content response', inputSchema: NO_ARGS },
    run: async () => ({ content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }] }),
  },
  {
    tool: { name: 'test_embedded_resource', description: 'Tests embedded resource content response', inputSchema: NO_ARGS },
    run: async () => ({ content: [{ type: 'resource', resource: { uri: URI.embedded, mimeType: 'text/plain', text: TEXT.embedded } }] }),
  },
  {
    tool: { name: 'test_multiple_content_types', description: 'Tests response with multiple content types (text, image, resource)', inputSchema: NO_ARGS },
    run: async () => ({
      content: [
        { type: 'text', text: TEXT.mixedIntro },
        { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: URI.mixed, mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
      ],
    }),
  },
  {
    tool: { name: 'test_tool_with_logging', description: 'Tests tool that emits log messages during execution', inputSchema: NO_ARGS },
    run: async (_args, ctx) => {
      // The scenario asks for ~50 ms between the three messages: they must arrive as separate events.
      await ctx.mcpReq.log('info', 'Tool execution started', 'conformance-everything');
      await delay(50);
      await ctx.mcpReq.log('info', 'Tool processing data', 'conformance-everything');
      await delay(50);
      await ctx.mcpReq.log('info', 'Tool execution completed', 'conformance-everything');
      return text('Tool with logging executed successfully');
    },
  },
  {
    tool: { name: 'test_tool_with_progress', description: 'Tests tool that reports progress notifications', inputSchema: NO_ARGS },
    run: async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` } });
        }
        if (progress < 100) await delay(50);
      }
      return text(String(progressToken ?? 'no progress token'));
    },
  },
  {
    tool: { name: 'test_error_handling', description: 'Tests error response handling', inputSchema: NO_ARGS },
    run: async () => ({ ...text(TEXT.error), isError: true }),
  },
  {
    tool: {
      name: 'test_reconnection',
      description: 'Tests SSE stream disconnection and client reconnection (SEP-1699): the server closes the stream mid-call and the result follows after the client reconnects.',
      inputSchema: NO_ARGS,
    },
    run: async (_args, ctx, hooks) => {
      if (hooks.closeStream) {
        // An event with an id before the close, so a client that got no priming event (one that
        // announced a protocol version before 2025-11-25) still has a Last-Event-ID to resume from.
        await ctx.mcpReq.log('info', 'Closing the response stream; the result follows on reconnection', 'conformance-everything');
        hooks.closeStream(ctx.mcpReq.id);
      }
      return text(TEXT.reconnection);
    },
  },
  {
    tool: {
      name: 'test_sampling',
      description: 'Tests server-initiated sampling (LLM completion request)',
      inputSchema: { type: 'object', properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } }, required: ['prompt'] },
    },
    run: async (args, ctx) => {
      const parsed = parseArgs('test_sampling', z.object({ prompt: z.string() }), args);
      if (isResult(parsed)) return parsed;
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'llm');
      if (answer.kind === 'missing') {
        return inputRequired({
          inputRequests: { llm: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: parsed.prompt } }], maxTokens: 100 }) },
        });
      }
      if (answer.kind !== 'sampling') return { ...text(`Expected a sampling result, got ${answer.kind}`), isError: true };
      const content = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
      return text(`LLM response: ${content?.type === 'text' ? content.text : `(${content?.type ?? 'no'} content)`}`);
    },
  },
  {
    tool: {
      name: 'test_elicitation',
      description: 'Tests server-initiated elicitation (user input request)',
      inputSchema: { type: 'object', properties: { message: { type: 'string', description: 'The message to show the user' } }, required: ['message'] },
    },
    run: async (args, ctx) => {
      const parsed = parseArgs('test_elicitation', z.object({ message: z.string() }), args);
      if (isResult(parsed)) return parsed;
      return elicit(ctx, parsed.message, ELICITATION_USER, 'User response');
    },
  },
  {
    tool: { name: 'test_elicitation_sep1034_defaults', description: 'Tests elicitation with default values per SEP-1034', inputSchema: NO_ARGS },
    run: async (_args, ctx) => elicit(ctx, 'Please review and update the form fields with defaults', ELICITATION_DEFAULTS, 'Elicitation completed'),
  },
  {
    tool: { name: 'test_elicitation_sep1330_enums', description: 'Tests elicitation with enum schema improvements per SEP-1330', inputSchema: NO_ARGS },
    run: async (_args, ctx) => elicit(ctx, 'Please select options from the enum fields', ELICITATION_ENUMS, 'Elicitation completed'),
  },
  {
    tool: { name: 'json_schema_2020_12_tool', description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)', inputSchema: JSON_SCHEMA_2020_12 },
    run: async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  },
];

export const TOOL_LIST: Tool[] = TOOLS.map((t) => t.tool);

export async function callTool(name: string, args: Record<string, unknown>, ctx: ServerContext, hooks: ToolHooks): Promise<Result> {
  const entry = TOOLS.find((t) => t.tool.name === name);
  if (!entry) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
  return entry.run(args, ctx, hooks);
}
