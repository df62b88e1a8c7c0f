import { ProtocolError, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import type { ConnectorSession, CallOptions } from '../domain/connector.js';
import type { RawForwarder } from '../domain/forwarding.js';
import type { ConfigurationRecord } from '../domain/configuration.js';
import { CREDENTIALS_UNREADABLE, errorMessage, isGatewayError, UpstreamError, ValidationError } from '../domain/errors.js';
import type { GatewayDeps } from './types.js';
import { toolFingerprint } from './fingerprint.js';
import { HealthWriter } from './health.js';
import { CircuitBreaker, DEFAULT_BREAKER } from './circuit-breaker.js';

/** Failures that say the service is unreachable or broken: they trip the breaker. Credentials and bad input do not. */
const BREAKER_KINDS = new Set(['network', 'timeout', 'server', 'protocol']);

/**
 * Failures that say the configuration cannot work until someone acts: the service refused the
 * credentials (401), a refresh was refused, or this process cannot open the sealed credentials.
 * A permission refusal for one resource (403) is the call's problem and leaves health alone.
 */
const UNHEALTHY_KINDS = new Set(['credentials', 'reauthorize', CREDENTIALS_UNREADABLE]);

/** The `error_kind` of a failure: the UpstreamError kind, else a gateway error's code. */
export function failureKind(e: unknown): string {
  return e instanceof UpstreamError ? e.kind : isGatewayError(e) ? e.code : 'internal';
}

export interface LinkCallOutcome {
  result: CallToolResult;
  failure?: string;
}

/** Raised when a call is aborted by the caller (not by a deadline): nothing to report upstream. */
export class CallCancelledError extends Error {}

/**
 * One configuration's live connection: opens the connector once, caches its tool list, reuses the
 * session for every call, and reports health. Replaced (closed and reopened) when the
 * configuration's tool fingerprint changes.
 */
export class ConfigurationLink {
  readonly record: ConfigurationRecord;
  readonly fingerprint: string;
  private session: Promise<ConnectorSession> | undefined;
  /** The session once open, for the lean path (which never waits). */
  private ready: ConnectorSession | undefined;
  private tools: Promise<Tool[]> | undefined;
  private closed = false;
  private readonly closeController = new AbortController();
  private readonly inflight = new Set<AbortController>();
  private readonly breaker: CircuitBreaker;
  /** When the last discovery failed (undefined once one succeeds): such links are retried. */
  failedAt: number | undefined;

  constructor(
    record: ConfigurationRecord,
    private readonly deps: GatewayDeps,
    private readonly health: HealthWriter,
  ) {
    this.record = record;
    this.fingerprint = toolFingerprint(record);
    this.breaker = new CircuitBreaker(deps.breaker ?? DEFAULT_BREAKER);
  }

  get id(): string {
    return this.record.id;
  }

  /**
   * Built-in connectors declare their tools (`ConnectorDefinition.tools`); listing them contacts no
   * one, so it must not move health either way. Only custom MCP servers are asked for their tools.
   */
  private get staticCatalog(): boolean {
    return (this.deps.registry.get(this.record.personal_connector_id)?.tools.length ?? 0) > 0;
  }

  get label(): string {
    const connector = this.deps.registry.get(this.record.personal_connector_id)?.name ?? this.record.personal_connector_id;
    return `configuration "${this.record.name}" (${this.record.id}, ${connector})`;
  }

  /** Upstream tools (not namespaced), within the discovery deadline. Cached until the link is replaced. */
  discover(): Promise<Tool[]> {
    this.tools ??= this.runDiscovery().catch((e: unknown) => {
      this.tools = undefined; // a later list may try again
      throw e;
    });
    return this.tools;
  }

  private async runDiscovery(): Promise<Tool[]> {
    const started = performance.now();
    const signal = AbortSignal.any([this.closeController.signal, AbortSignal.timeout(this.deps.limits.discoveryTimeoutMs)]);
    try {
      const session = await withSignal(this.open(signal), signal, () => this.deadlineError('discovery'));
      const tools = await withSignal(session.listTools(signal), signal, () => this.deadlineError('discovery'));
      // Only a discovery that asked the service (a custom MCP server's tools/list, sent with the
      // credentials) says anything about the connection; reading a static catalog does not.
      if (!this.staticCatalog) this.health.healthy(this.record.id);
      this.failedAt = undefined;
      this.deps.observer?.discovered?.({ configurationId: this.id, connectorId: this.record.personal_connector_id, durationMs: performance.now() - started, ok: true });
      return tools;
    } catch (e) {
      this.session = undefined;
      this.ready = undefined;
      this.failedAt = Date.now();
      if (!this.closed && !this.staticCatalog) this.health.unhealthy(this.record.id, describeFailure(e));
      this.deps.observer?.discovered?.({ configurationId: this.id, connectorId: this.record.personal_connector_id, durationMs: performance.now() - started, ok: false });
      throw e;
    }
  }

  private open(signal: AbortSignal): Promise<ConnectorSession> {
    this.session ??= this.openSession(signal).then(
      (s) => {
        this.ready = s;
        return s;
      },
      (e: unknown) => {
        this.session = undefined;
        throw e;
      },
    );
    return this.session;
  }

  /**
   * The lean call path's way in: the open session's raw forwarder, only while the breaker is
   * closed (a tripped breaker answers through the regular path, which says why).
   */
  forwarder(): RawForwarder | undefined {
    if (!this.ready || this.breaker.state !== 'closed') return undefined;
    return this.ready.forwarder?.();
  }

  /** "Configuration "X" (pconf_…, GitHub) failed: <reason>" — the wording of every failed call. */
  failureText(reason: string): string {
    return `${capitalize(this.label)} failed: ${reason}`;
  }

  /** Outcome of a call the lean path made: the same breaker and health bookkeeping as call(). */
  recordForwarded(failure: string | undefined, reason?: string): void {
    if (failure === undefined) {
      this.breaker.success();
      this.health.healthy(this.record.id);
      return;
    }
    if (BREAKER_KINDS.has(failure)) this.breaker.failure(reason ?? failure);
    if (UNHEALTHY_KINDS.has(failure) && reason) this.health.unhealthy(this.record.id, reason);
    if (failure === 'network' || failure === 'protocol') this.dropSession();
  }

  private async openSession(signal: AbortSignal): Promise<ConnectorSession> {
    const def = this.deps.registry.get(this.record.personal_connector_id);
    if (!def) throw new ValidationError(`unknown connector ${this.record.personal_connector_id}`, 'personal_connector_id');
    const parsed = def.configSchema.safeParse(this.record.configuration);
    if (!parsed.success) throw new ValidationError(`the stored configuration no longer passes the ${def.name} schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'configuration');
    return def.open({
      configurationId: this.record.id,
      configurationName: this.record.name,
      config: parsed.data,
      credentials: this.deps.credentials.forConfiguration(this.record.id),
      http: this.deps.http,
      network: this.deps.network,
      signal,
      log: this.deps.log.child({ configuration_id: this.record.id }),
    });
  }

  /**
   * Calls an upstream tool. Failures come back as `isError` results that name this configuration;
   * `failure` then says what kind of failure it was (the tool's own isError leaves it unset).
   */
  async call(upstreamTool: string, args: Record<string, unknown>, opts: CallOptions): Promise<LinkCallOutcome> {
    const admitted = this.breaker.admit();
    if (!admitted.allowed) {
      const seconds = Math.ceil(admitted.retryInMs / 1000);
      return {
        result: {
          content: [{ type: 'text', text: `${capitalize(this.label)} is skipped for ${seconds} s after ${admitted.failures} consecutive failures (last: ${admitted.lastFailure}). It is retried automatically after that.` }],
          isError: true,
        },
        failure: 'circuit_open',
      };
    }
    const outcome = await this.callAdmitted(upstreamTool, args, opts).catch((e: unknown) => {
      this.breaker.release();
      throw e;
    });
    if (outcome.failure !== undefined && BREAKER_KINDS.has(outcome.failure)) this.breaker.failure(outcome.reason ?? outcome.failure);
    else if (outcome.failure === undefined) this.breaker.success();
    else this.breaker.release();
    return { result: outcome.result, ...(outcome.failure !== undefined ? { failure: outcome.failure } : {}) };
  }

  private async callAdmitted(upstreamTool: string, args: Record<string, unknown>, opts: CallOptions): Promise<LinkCallOutcome & { reason?: string }> {
    const timeoutMs = this.callTimeoutMs();
    // One controller per call, linked by hand: AbortSignal.any() on long-lived signals (the link's
    // close signal, a session's signal) accumulates listeners under load.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => controller.abort();
    opts.signal.addEventListener('abort', onCallerAbort, { once: true });
    this.inflight.add(controller);
    const signal = controller.signal;
    try {
      if (opts.signal.aborted) throw new CallCancelledError('cancelled by the client');
      const session = await withSignal(this.open(signal), signal, () => this.abortReason(opts.signal, timedOut, timeoutMs));
      const result = await withSignal(session.callTool(upstreamTool, args, { ...opts, signal }), signal, () => this.abortReason(opts.signal, timedOut, timeoutMs));
      // A call the service answered proves the credentials work. An isError result may be a
      // refusal of the arguments before anything was sent, so it proves nothing.
      if (!result.isError) this.health.healthy(this.record.id);
      return { result };
    } catch (e) {
      if (opts.signal.aborted) throw new CallCancelledError('cancelled by the client');
      if (e instanceof ProtocolError) throw e; // an upstream JSON-RPC error passes through as it is
      if (UNHEALTHY_KINDS.has(failureKind(e))) this.health.unhealthy(this.record.id, describeFailure(e));
      if (e instanceof UpstreamError && (e.kind === 'network' || e.kind === 'protocol')) {
        // The connection may be dead (server restarted): reopen on the next call.
        this.dropSession();
      }
      const reason = timedOut ? this.deadlineError('call', timeoutMs) : e;
      const described = describeFailure(reason);
      return {
        result: { content: [{ type: 'text', text: this.failureText(described) }], isError: true },
        failure: failureKind(reason),
        reason: described,
      };
    } finally {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onCallerAbort);
      this.inflight.delete(controller);
    }
  }

  private abortReason(caller: AbortSignal, timedOut: boolean, timeoutMs: number): Error {
    if (caller.aborted) return new CallCancelledError('cancelled by the client');
    if (timedOut) return this.deadlineError('call', timeoutMs);
    return new UpstreamError('network', 'the configuration was changed or removed during the call');
  }

  callTimeoutMs(): number {
    const own = (this.record.configuration as { timeout_ms?: unknown }).timeout_ms;
    return typeof own === 'number' && own > 0 ? own : this.deps.limits.callTimeoutMs;
  }

  private deadlineError(what: 'discovery' | 'call', ms?: number): UpstreamError {
    const limit = ms ?? this.deps.limits.discoveryTimeoutMs;
    return new UpstreamError('timeout', `${what === 'discovery' ? 'tool discovery' : 'the call'} did not finish within ${limit} ms`);
  }

  private dropSession(): void {
    const s = this.session;
    this.session = undefined;
    this.ready = undefined;
    this.tools = undefined;
    void s?.then((x) => x.close()).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ready = undefined;
    this.closeController.abort();
    for (const c of this.inflight) c.abort();
    const s = this.session;
    this.session = undefined;
    if (s) await s.then((x) => x.close()).catch(() => {});
  }
}

/** Races a promise against an abort signal so a hung upstream cannot hold a caller past its deadline. */
export function withSignal<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

/** A short, secret-free reason. Typed errors already carry safe messages; others are summarised. */
export function describeFailure(e: unknown): string {
  if (isGatewayError(e)) return e.message;
  const msg = errorMessage(e);
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
