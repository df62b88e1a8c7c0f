import type { ConnectorDefinition } from '../../src/domain/connector.js';
import { CustomMcpConfigSchema, type CustomMcpConfig } from './config.js';
import { CustomMcpSession } from './session.js';

export { CustomMcpConfigSchema, type CustomMcpConfig };

/** Any remote MCP server: its tools are discovered, calls are forwarded with progress and cancellation. */
export const customMcpConnector: ConnectorDefinition<CustomMcpConfig> = {
  id: 'pc_custom_mcp',
  name: 'Custom MCP server',
  description: 'Any remote MCP server over Streamable HTTP (either protocol era) or legacy SSE; its tools are discovered and proxied.',
  authMethods: ['bearer', 'oauth2', 'api_key'],
  credentialsRequired: false,
  configSchema: CustomMcpConfigSchema,
  credentialDestination: ['endpoint', 'api_key_header'],
  tools: [],
  open: (ctx) => CustomMcpSession.open(ctx),
};
