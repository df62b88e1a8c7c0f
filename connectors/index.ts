import { ConnectorRegistry } from './registry.js';
import { githubConnector } from './github/index.js';
import { clickupConnector } from './clickup/index.js';
import { jiraConnector } from './jira/index.js';
import { teamsConnector } from './teams/index.js';
import { customMcpConnector } from './custom-mcp/index.js';

export { ConnectorRegistry } from './registry.js';

/** The five built-in connectors: pc_github, pc_clickup, pc_jira, pc_teams, pc_custom_mcp. */
export function builtinRegistry(): ConnectorRegistry {
  return new ConnectorRegistry([githubConnector, clickupConnector, jiraConnector, teamsConnector, customMcpConnector]);
}
