import { Server } from '@modelcontextprotocol/server';
import { TOOL_LIST, callTool, type ToolHooks } from './tools.js';
import { RESOURCE_LIST, RESOURCE_TEMPLATE_LIST, readResource, type WatchedResource } from './resources.js';
import { PROMPT_LIST, complete, getPrompt } from './prompts.js';

export interface EverythingOptions {
  era: 'legacy' | 'modern';
  watched: WatchedResource;
  hooks?: ToolHooks;
}

/**
 * One MCP server instance with everything the conformance suite's server scenarios ask for (the
 * conformance repository's everything-server is the reference for names, texts and shapes). Built
 * on the low-level `Server` so each list is served exactly as written: the JSON Schema 2020-12
 * scenario checks keywords a schema converter would drop.
 *
 * Returns the instance and its resource subscriptions (a 2025-era session's `resources/subscribe`
 * state; the 2026-07-28 era subscribes through `subscriptions/listen`, served by the SDK entry).
 */
export function buildEverythingServer(options: EverythingOptions): { server: Server; subscriptions: Set<string> } {
  const subscriptions = new Set<string>();
  const server = new Server(
    { name: 'conformance-everything', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );

  server.setRequestHandler('tools/list', async () => ({ tools: TOOL_LIST }));
  server.setRequestHandler('tools/call', async (req, ctx) => callTool(req.params.name, req.params.arguments ?? {}, ctx, options.hooks ?? {}));

  server.setRequestHandler('resources/list', async () => ({ resources: RESOURCE_LIST }));
  server.setRequestHandler('resources/templates/list', async () => ({ resourceTemplates: RESOURCE_TEMPLATE_LIST }));
  server.setRequestHandler('resources/read', async (req) => readResource(req.params.uri, options.watched));
  if (options.era === 'legacy') {
    server.setRequestHandler('resources/subscribe', async (req) => {
      subscriptions.add(req.params.uri);
      return {};
    });
    server.setRequestHandler('resources/unsubscribe', async (req) => {
      subscriptions.delete(req.params.uri);
      return {};
    });
  }

  server.setRequestHandler('prompts/list', async () => ({ prompts: PROMPT_LIST }));
  server.setRequestHandler('prompts/get', async (req) => getPrompt(req.params.name, req.params.arguments ?? {}));
  server.setRequestHandler('completion/complete', async (req) => complete(req.params.ref, req.params.argument));

  return { server, subscriptions };
}
