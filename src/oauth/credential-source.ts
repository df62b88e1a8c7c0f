import type { ConfigurationRecord } from '../domain/configuration.js';
import { credentialSecret, type Credentials, type CredentialSource, type CredentialType } from '../domain/credentials.js';
import { GatewayError, UpstreamError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { Settings } from '../config/settings.js';
import type { Store } from '../store/types.js';
import { createOAuthClients, type OAuthClients } from './clients.js';
import type { McpAuth } from './mcp-auth/index.js';
import { Refresher, type RefreshReason } from './refresh.js';
import type { CredentialVault } from './vault.js';

export interface CredentialSourceFactoryOptions {
  store: Store;
  vault: CredentialVault;
  settings: Settings;
  log: Logger;
  /** Refresh when the token expires within this many ms (default settings.limits.refresh_skew_ms). */
  skewMs?: number;
  /** Reuse a registry (and its discovery cache) shared with the connect flow. */
  clients?: OAuthClients;
  /** Refreshes tokens of remote MCP servers with the client their authorization server issued them to. */
  mcpAuth?: Pick<McpAuth, 'clientForRefresh'> & Partial<Pick<McpAuth, 'forgetClient'>>;
  now?: () => number;
}

export interface CredentialSourceFactory {
  /** A source for one configuration; pass the record when at hand so `type` is known at once. */
  forConfiguration(configuration: string | ConfigurationRecord): CredentialSource;
  readonly clients: OAuthClients;
}

/**
 * How long a refresh may hold its configuration's lease: it outlives discovery + token request, so a
 * live holder is never overtaken. Whoever else takes that lease (a key rotation) judges it with the
 * same figure, since a lock older than the waiter's TTL counts as abandoned.
 */
export function refreshLeaseTtlMs(settings: Settings): number {
  return 2 * settings.limits.discovery_timeout_ms + 5_000;
}

export function createCredentialSourceFactory(opts: CredentialSourceFactoryOptions): CredentialSourceFactory {
  const clients = opts.clients ?? createOAuthClients(opts.settings);
  const refresher = new Refresher({
    store: opts.store,
    vault: opts.vault,
    clients,
    ...(opts.mcpAuth ? { mcpClient: (issuer: string, clientId: string) => opts.mcpAuth!.clientForRefresh(issuer, clientId) } : {}),
    ...(opts.mcpAuth?.forgetClient ? { forgetMcpClient: (issuer: string, clientId: string) => opts.mcpAuth!.forgetClient!(issuer, clientId) } : {}),
    log: opts.log.child({ component: 'oauth' }),
    skewMs: opts.skewMs ?? opts.settings.limits.refresh_skew_ms,
    leaseTtlMs: refreshLeaseTtlMs(opts.settings),
    now: opts.now ?? Date.now,
  });
  // One refresh in flight per configuration in this process; everyone else waits for its result.
  const inflight = new Map<string, Promise<Credentials | undefined>>();

  const shared = (id: string, reason: RefreshReason): Promise<Credentials | undefined> => {
    let p = inflight.get(id);
    if (!p) {
      p = refresher.run(id, reason).finally(() => inflight.delete(id));
      inflight.set(id, p);
    }
    return p;
  };

  return {
    clients,
    forConfiguration(configuration) {
      const id = typeof configuration === 'string' ? configuration : configuration.id;
      let type: CredentialType | undefined = typeof configuration === 'string' ? undefined : configuration.credentials_type;
      return {
        get type() {
          return type;
        },
        async get(signal) {
          const { credentials } = await refresher.load(id);
          type = credentials?.type;
          if (credentials?.type !== 'oauth2' || !refresher.nearExpiry(credentials)) return credentials;
          const fresh = await waitFor(shared(id, { kind: 'expiring' }), signal, id);
          // Joined a forced refresh that found nothing to refresh with: the token is still expiring.
          if (!fresh) throw new UpstreamError('reauthorize', `the access token of configuration ${id} expired and cannot be refreshed: reconnect it`);
          return fresh;
        },
        async refresh(rejected, signal) {
          const { credentials } = await refresher.load(id);
          type = credentials?.type;
          if (!credentials) return undefined;
          // Someone already replaced what the service refused: try that before spending a refresh token.
          if (credentialSecret(credentials) !== credentialSecret(rejected)) return credentials;
          if (credentials.type !== 'oauth2') return undefined;
          return waitFor(shared(id, { kind: 'rejected', staleToken: credentials.access_token }), signal, id);
        },
      };
    },
  };
}

/** A caller that gives up stops waiting; the shared refresh carries on for the others. */
function waitFor<T>(p: Promise<T>, signal: AbortSignal | undefined, id: string): Promise<T> {
  if (!signal) return p;
  const aborted = () => (signal.reason instanceof GatewayError ? signal.reason : new UpstreamError('timeout', `waiting for the OAuth token of configuration ${id} was aborted`));
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
