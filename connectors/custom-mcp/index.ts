// Temporary: the session implementation lands with the gateway work.
import type { ConnectorDefinition } from '../../src/domain/connector.js';
import { CustomMcpConfigSchema, type CustomMcpConfig } from './config.js';

export { CustomMcpConfigSchema, type CustomMcpConfig };

export const customMcpConnector: ConnectorDefinition<CustomMcpConfig> = {
  id: 'pc_custom_mcp',
  name: 'Custom MCP server',
  description: 'Any remote MCP server over Streamable HTTP (either protocol era) or legacy SSE; its tools are discovered.',
  authMethods: ['bearer', 'oauth2', 'api_key'],
  credentialsRequired: false,
  configSchema: CustomMcpConfigSchema,
  tools: [],
  async open() {
    throw new Error('not implemented yet');
  },
};
