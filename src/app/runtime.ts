import { Gateway } from '../gateway/gateway.js';
import { checkConfiguration } from '../gateway/health-check.js';
import type { GatewayDeps, GatewayObserver } from '../gateway/types.js';
import { createHttpClientFactory } from '../http/factory.js';
import { createCredentialSourceFactory } from '../oauth/credential-source.js';
import type { AppContext } from './context.js';

export interface GatewayRuntime {
  gateway: Gateway;
  deps: GatewayDeps;
  close(): Promise<void>;
}

/**
 * The live half of the application: HTTP pools, credential sources (unseal + OAuth refresh) and the
 * per-principal gateway. Also installs the real health check into the management service.
 */
export function createGatewayRuntime(ctx: AppContext, observer?: GatewayObserver): GatewayRuntime {
  const http = createHttpClientFactory({ defaultMaxBytes: ctx.settings.limits.upstream_max_bytes, log: ctx.log.child({ component: 'http' }) });
  const credentials = createCredentialSourceFactory({ store: ctx.store, vault: ctx.sealing, settings: ctx.settings, log: ctx.log, clients: ctx.oauthClients, mcpAuth: ctx.mcpAuth });
  const deps: GatewayDeps = {
    store: ctx.store,
    registry: ctx.registry,
    credentials,
    http,
    network: ctx.network.policy,
    limits: { discoveryTimeoutMs: ctx.settings.limits.discovery_timeout_ms, callTimeoutMs: ctx.settings.limits.call_timeout_ms, toolListTtlMs: ctx.settings.limits.tool_list_ttl_ms },
    log: ctx.log.child({ component: 'gateway' }),
    ...(observer ? { observer } : {}),
  };
  const gateway = new Gateway(deps);
  // Connections opened under the old allowances must not outlive a change of them.
  const stopFollowing = ctx.network.onChange(() => gateway.noteNetworkChange());
  ctx.setHealthCheck((record) => checkConfiguration(deps, record));
  return {
    gateway,
    deps,
    async close() {
      stopFollowing();
      await gateway.close();
      await http.close();
    },
  };
}
