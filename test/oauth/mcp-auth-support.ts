import { SettingsSchema, type Settings } from '../../src/config/settings.js';
import type { Principal } from '../../src/domain/principal.js';
import { createConnectFlow, type ConnectFlow } from '../../src/oauth/connect.js';
import { createOAuthClients } from '../../src/oauth/clients.js';
import { McpAuth } from '../../src/oauth/mcp-auth/index.js';
import type { Store } from '../../src/store/types.js';
import type { Vault } from '../../src/crypto/vault.js';
import type { StartedOidcProvider } from '../fakes/oidc-provider.js';
import { storingCreate } from './support.js';

export const BOB: Principal = { user_id: 'bob', organization_id: 'org_acme', via: 'oidc' };
/** A loopback redirect URI: registered as a native client (RFC 8252), any port. */
export const REDIRECT = 'http://127.0.0.1/oauth/callback';

export function mcpSettings(extra: Record<string, unknown> = {}): Settings {
  return SettingsSchema.parse({ network: { allow_loopback: true }, limits: { discovery_timeout_ms: 20_000 }, ...extra });
}

/** The connect flow with MCP authorization and nothing in `oauth`: what `configs connect` gets. */
export function mcpFlow(store: Store, vault: Vault, settings: Settings = mcpSettings()): { flow: ConnectFlow; mcpAuth: McpAuth } {
  const mcpAuth = new McpAuth({ settings, store, sealer: vault, env: {} });
  const flow = createConnectFlow({
    settings,
    clients: createOAuthClients(settings, { env: {} }),
    mcpAuth,
    createConfiguration: storingCreate(store, vault),
    store,
    sealer: vault,
  });
  return { flow, mcpAuth };
}

/** Connects `principal` to the MCP server at `endpoint`, consenting as `account` at the provider. */
export async function connectMcp(flow: ConnectFlow, provider: StartedOidcProvider, principal: Principal, endpoint: string, account: string) {
  const started = await flow.start({ principal, connectorId: 'pc_custom_mcp', name: 'Remote', configuration: { endpoint }, redirectUri: REDIRECT });
  const callback = await provider.authorize(started.authorization_url, account);
  return { started, callback, configuration: await flow.complete(callback, started.binding) };
}
