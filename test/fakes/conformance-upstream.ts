import { createServer } from '../helpers/test-server.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

/**
 * An upstream with the tools the MCP conformance suite calls, minus its `test_` prefix: behind a
 * configuration named "test", the gateway exposes them as `test_<tool>`, the exact names the
 * suite expects.
 */
export async function startConformanceUpstream() {
  const tools = [
    { name: 'simple_text', description: 'Returns simple text', inputSchema: { type: 'object' as const } },
    { name: 'error_handling', description: 'Always fails', inputSchema: { type: 'object' as const } },
    { name: 'tool_with_progress', description: 'Reports progress', inputSchema: { type: 'object' as const } },
    { name: 'image_content', description: 'Returns an image', inputSchema: { type: 'object' as const } },
    { name: 'multiple_content_types', description: 'Text, image and an embedded resource', inputSchema: { type: 'object' as const } },
    { name: 'embedded_resource', description: 'Returns an embedded resource', inputSchema: { type: 'object' as const } },
    { name: 'audio_content', description: 'Returns audio', inputSchema: { type: 'object' as const } },
  ];
  const resource = { type: 'resource' as const, resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } };
  const WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=';
  const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const factory = () => {
    const server = new Server({ name: 'conformance-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({ tools }));
    server.setRequestHandler('tools/call', async (req, ctx) => {
      switch (req.params.name) {
        case 'simple_text':
          return { content: [{ type: 'text', text: 'This is a simple text response for testing.' }] };
        case 'error_handling':
          return { content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }], isError: true };
        case 'image_content':
          return { content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] };
        case 'multiple_content_types':
          return { content: [{ type: 'text', text: 'Multiple content types test:' }, { type: 'image', data: PNG, mimeType: 'image/png' }, resource] };
        case 'embedded_resource':
          return { content: [resource] };
        case 'audio_content':
          return { content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] };
        case 'tool_with_progress': {
          const token = req.params._meta?.progressToken;
          for (const progress of [0, 50, 100]) {
            if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress, total: 100 } });
            await new Promise((r) => setTimeout(r, 50));
          }
          return { content: [{ type: 'text', text: String(token ?? 'no-token') }] };
        }
        default:
          return { content: [{ type: 'text', text: `unknown ${req.params.name}` }], isError: true };
      }
    });
    return server;
  };
  const handler = createMcpHandler(factory);
  const node = toNodeHandler(handler);
  const server = createServer((req, res) => void node(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
