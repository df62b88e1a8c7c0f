import { loadSettings, type Settings } from '../config/settings.js';
import { LiveNetwork } from './live-network.js';
import type { Logger } from '../domain/logger.js';
import { StorageError } from '../domain/errors.js';
import { guardVault, KEY_ENV, loadKeyRing, SealGuard, Vault, type GuardedVault, type LoadedKeyRing } from '../crypto/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { ApiKeyService } from '../service/api-keys.js';
import { ConfigurationService } from '../service/configurations.js';
import type { CredentialSealer, HealthCheck } from '../service/ports.js';
import { builtinRegistry, type ConnectorRegistry } from '../../connectors/index.js';
import { createOAuthClients, type OAuthClients } from '../oauth/clients.js';
import { McpAuth } from '../oauth/mcp-auth/index.js';
import { createRevoker } from '../oauth/revoke.js';
import { createLogger } from './logger.js';
import { resolveDataFile } from './paths.js';
import { resolveDatabaseUrl, requireSharedKey } from './database.js';
import { describeDatabaseUrl } from '../store/postgres/url.js';

export interface AppContextOptions {
  /** `--data`; else CONNECTOR_GATEWAY_DATA; else the user config directory. */
  dataFile?: string;
  env: NodeJS.ProcessEnv;
  /** Else CONNECTOR_GATEWAY_CONFIG. */
  settingsFile?: string;
  storeKind?: 'lowdb' | 'memory';
  /** `--database-url`; else CONNECTOR_GATEWAY_DATABASE_URL. When set, the store is PostgreSQL, not the data file. */
  databaseUrl?: string;
  log?: Logger;
  /** The gateway's check; until it is given, `test` reports that no check is available. */
  healthCheck?: HealthCheck;
  registry?: ConnectorRegistry;
  /**
   * Open even when the key ring lacks keys the data was sealed with (doctor, which reports each
   * credential it cannot open instead). Everything else refuses to start then.
   */
  diagnoseKeys?: boolean;
}

/** Everything the CLI, the REST API and the MCP server share; built once per process (or per test). */
export interface AppContext {
  env: NodeJS.ProcessEnv;
  /** The data file; with a database, only where the key file is looked for. */
  dataFile: string;
  /** The PostgreSQL database, when the store is one (shown without its password). */
  database?: string;
  settings: Settings;
  /** The network allowances in use, following the stored settings (`connector-gateway settings`). */
  network: LiveNetwork;
  log: Logger;
  store: Store;
  /** Where the keys came from (env or key file), for doctor and rotation. */
  keys: LoadedKeyRing;
  /** The raw vault: maintenance (rotation, doctor) that manages the key ring itself. */
  vault: Vault;
  /** The vault behind the seal guard: what serving, the services and OAuth seal with. */
  sealing: GuardedVault;
  sealer: CredentialSealer;
  registry: ConnectorRegistry;
  configurations: ConfigurationService;
  apiKeys: ApiKeyService;
  /** The OAuth clients of the settings file: one registry (and discovery cache) for refresh and connect. */
  oauthClients: OAuthClients;
  /** OAuth for remote MCP servers as the MCP authorization spec describes it: discovery, client identity, registrations. */
  mcpAuth: McpAuth;
  /** Lets the gateway install its health check after the context exists (it needs the context to build). */
  setHealthCheck(check: HealthCheck): void;
  /** Runs the installed health check (doctor); writes nothing. */
  checkHealth: HealthCheck;
  close(): Promise<void>;
}

export async function openAppContext(opts: AppContextOptions): Promise<AppContext> {
  const env = opts.env;
  const log = opts.log ?? createLogger(env);
  const dataFile = resolveDataFile(opts.dataFile, env);
  const settingsFile = opts.settingsFile ?? nonEmpty(env.CONNECTOR_GATEWAY_CONFIG);
  const settings = loadSettings(settingsFile, env);
  const registry = opts.registry ?? builtinRegistry();
  const databaseUrl = resolveDatabaseUrl(opts.databaseUrl, env);
  const storeKind = databaseUrl !== undefined ? 'postgres' : (opts.storeKind ?? 'lowdb');
  // Replicas must all seal with one key: a key file made on one machine would be unknown to the others.
  if (databaseUrl !== undefined) requireSharedKey(env, dataFile);
  // The store creates the data file's folder; the key file lives beside it.
  const store = await openStore({ kind: storeKind, file: dataFile, log, ...(databaseUrl !== undefined ? { databaseUrl } : {}) });
  let keys: LoadedKeyRing;
  let network: LiveNetwork;
  try {
    // Before anything reads settings.network: it becomes the stored value (or this process's override).
    network = await LiveNetwork.open({ settings, settingsFile, env, store, log });
    // The keys the stored credentials were sealed with: the ring must hold them all, or nothing starts.
    const sealedKids = opts.diagnoseKeys ? [] : (await store.allConfigurations()).flatMap((r) => (r.credentials_sealed ? [r.credentials_sealed.kid] : []));
    keys = await loadKeyRing({ env, dataFile, sealedKids });
    // After a rotation the primary key it named must be at hand too: a process started with only the
    // old keys would otherwise serve until its first seal and refuse then.
    const policy = opts.diagnoseKeys ? undefined : await store.getKeyPolicy();
    if (policy && !keys.ring.has(policy.primary_kid)) {
      throw new StorageError(
        `the keys of ${dataFile} were rotated to key ${policy.primary_kid}, which ${keys.source === 'env' ? `the environment variable ${KEY_ENV}` : `the key file ${keys.keyFile ?? ''}`} does not hold (it holds ${keys.ring.kids.join(', ')}); start with the new key (CONNECTOR_GATEWAY_KEY=<new>,<old> during the rotation)`,
        'key_missing',
      );
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  for (const w of keys.warnings) log.warn({ key_file: keys.keyFile }, w);
  const vault = new Vault(keys.ring, { reload: keys.reload });
  const guard = new SealGuard({
    vault,
    policy: () => store.getKeyPolicy(),
    reload: keys.reload,
    source: keys.source === 'env' ? `the environment variable ${KEY_ENV}` : `the key file ${keys.keyFile ?? ''}`,
    log: log.child({ component: 'keys' }),
  });
  const sealing = guardVault(vault, guard);
  const sealer: CredentialSealer = {
    seal: (c, b) => sealing.seal(c, b),
    unseal: async (s, b) => vault.open(s, b),
  };
  let healthCheck: HealthCheck = opts.healthCheck ?? (async () => ({ ok: false, error: 'no health check is available in this process' }));
  const oauthClients = createOAuthClients(settings, { env });
  const mcpAuth = new McpAuth({ settings, store, sealer: sealing, env });
  // RFC 7009: a deleted configuration's OAuth tokens are revoked where the server offers it.
  const revoke = createRevoker({ vault, clients: oauthClients, mcpAuth, log: log.child({ component: 'oauth' }), timeoutMs: 2 * settings.limits.discovery_timeout_ms });
  const configurations = new ConfigurationService({ store, registry, sealer, healthCheck: (r) => healthCheck(r), network: network.policy, log, afterDelete: revoke });
  const apiKeys = new ApiKeyService({ store });
  let closed = false;
  return {
    env,
    dataFile,
    ...(databaseUrl !== undefined ? { database: describeDatabaseUrl(databaseUrl) } : {}),
    settings,
    network,
    log,
    store,
    keys,
    vault,
    sealing,
    sealer,
    registry,
    configurations,
    apiKeys,
    oauthClients,
    mcpAuth,
    setHealthCheck(check) {
      healthCheck = check;
    },
    checkHealth: (r) => healthCheck(r),
    async close() {
      if (closed) return;
      closed = true;
      network.close();
      await mcpAuth.close();
      await store.close();
    },
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
