import type { CredentialSource } from '../domain/credentials.js';
import type { Logger } from '../domain/logger.js';
import type { NetworkPolicy } from '../domain/network.js';
import type { HttpClientFactory } from '../http/types.js';
import type { Store } from '../store/types.js';
import type { Owner } from '../domain/principal.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';

/** Hands out the credential source of one configuration (unseal, refresh). */
export interface CredentialSourceFactory {
  forConfiguration(configurationId: string): CredentialSource;
}

/**
 * Starts a call's deadline: `fire` runs once `ms` have passed, unless the returned function is
 * called first. The default is a real timer; tests inject one that fires when the upstream has
 * been reached, so "ended by its deadline" never depends on the machine's speed.
 */
export type DeadlineTimer = (ms: number, fire: () => void) => () => void;

export const realDeadlineTimer: DeadlineTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

export interface GatewayLimits {
  /** Per-configuration deadline for opening a connector and listing its tools. */
  discoveryTimeoutMs: number;
  /** Default deadline of one tool call (a custom MCP configuration may set its own timeout_ms). */
  callTimeoutMs: number;
  /** How long a custom MCP server's tool list is trusted without its own list_changed (undefined: until replaced). */
  toolListTtlMs?: number;
}

/** Hooks for logs, metrics and audit, so the gateway does not depend on them. */
export type ToolCallOutcome = 'success' | 'tool_error' | 'rejected' | 'upstream_error' | 'cancelled';

export interface ToolCallEvent {
  owner: Owner;
  principal: string;
  configurationId: string;
  connectorId: string;
  /** The namespaced name the client called. */
  tool: string;
  upstreamTool: string;
  durationMs: number;
  /**
   * tool_error: the tool itself said isError; rejected: the upstream answered with a JSON-RPC error
   * (the request's own problem, passed through); upstream_error: the service or transport failed.
   */
  outcome: ToolCallOutcome;
  /** For upstream_error: the UpstreamError kind (credentials, timeout, network, …). */
  errorKind?: string;
}

export interface GatewayObserver {
  toolCalled?(e: ToolCallEvent): void;
  discovered?(e: { configurationId: string; connectorId: string; durationMs: number; ok: boolean }): void;
}

export interface GatewayDeps {
  store: Store;
  registry: ConnectorRegistry;
  credentials: CredentialSourceFactory;
  http: HttpClientFactory;
  network: NetworkPolicy;
  limits: GatewayLimits;
  log: Logger;
  observer?: GatewayObserver;
  /** Circuit breaker per configuration link (default: 5 failures, 15 s cool-down doubling to 5 min). */
  breaker?: CircuitBreakerOptions;
  /** Times tool call deadlines (default: realDeadlineTimer). */
  deadlineTimer?: DeadlineTimer;
  now?: () => Date;
}
