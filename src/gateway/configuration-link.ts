import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { ConnectorSession, CallOptions, ListKind } from '../domain/connector.js';
import type { RawForwarder } from '../domain/forwarding.js';
import type { ConfigurationRecord } from '../domain/configuration.js';
import { UpstreamError, ValidationError } from '../domain/errors.js';
import type { GatewayDeps } from './types.js';
import { toolFingerprint } from './fingerprint.js';
import { HealthWriter } from './health.js';
import { DEFAULT_BREAKER } from './circuit-breaker.js';
import { CallCancelledError, CallPipeline, describeFailure, failureKind, verdictOfError, type CallVerdict } from './call-pipeline.js';

export { CallCancelledError, describeFailure, failureKind };

export interface LinkCallOutcome {
  result: CallToolResult;
  verdict: CallVerdict;
}

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
  /** Admission, deadlines and verdicts of this configuration's calls, whichever transport carries them. */
  readonly pipeline: CallPipeline;
  /** When the last discovery failed (undefined once one succeeds): such links are retried. */
  failedAt: number | undefined;
  /** When the cached tool list was fetched from the upstream (undefined: none cached, or a static catalog). */
  private discoveredAt: number | undefined;

  constructor(
    record: ConfigurationRecord,
    private readonly deps: GatewayDeps,
    private readonly health: HealthWriter,
    /** The upstream announced that one of its lists changed (its cached copy is already dropped). */
    private readonly onListChanged: (link: ConfigurationLink, kind: ListKind) => void = () => {},
    /** An upstream resource this link is subscribed to changed (the upstream's URI). */
    private readonly onResourceUpdated: (link: ConfigurationLink, uri: string) => void = () => {},
  ) {
    this.record = record;
    this.fingerprint = toolFingerprint(record);
    this.pipeline = new CallPipeline(record.id, deps.breaker ?? DEFAULT_BREAKER, health, () => this.dropSession(), deps.deadlineTimer);
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

  /** Only a service whose catalog is discovered (custom MCP) can offer prompts and resources. */
  get discoversCatalog(): boolean {
    return !this.staticCatalog;
  }

  get label(): string {
    const connector = this.deps.registry.get(this.record.personal_connector_id)?.name ?? this.record.personal_connector_id;
    return `configuration "${this.record.name}" (${this.record.id}, ${connector})`;
  }

  /**
   * A discovered tool list is kept at most `limits.toolListTtlMs`: an upstream that changes its tools
   * without saying so (no `list_changed`) is still seen eventually. Static catalogs never expire.
   */
  expired(now: number): boolean {
    const ttl = this.deps.limits.toolListTtlMs;
    return ttl !== undefined && this.discoveredAt !== undefined && now - this.discoveredAt >= ttl;
  }

  /** Forgets the cached tool list: the next discover() asks the upstream again. */
  forgetTools(): void {
    this.tools = undefined;
    this.discoveredAt = undefined;
  }

  /** Upstream tools (not namespaced), within the discovery deadline. Cached until the link is replaced, expiry or the upstream's list_changed. */
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
      if (!this.staticCatalog) {
        this.health.healthy(this.record.id);
        this.discoveredAt = this.now();
      }
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
        this.resubscribe(s);
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
   * Resource subscriptions, counted per upstream URI over the principal's sessions: the upstream
   * hears of the first and of the last one going, and a session opened anew (after a failure, or a
   * replaced link inheriting them) is subscribed again. Each entry settles when the upstream took it.
   */
  private readonly subscriptions = new Map<string, { count: number; taken: Promise<void>; settled: boolean }>();

  async subscribeResource(uri: string, signal: AbortSignal): Promise<void> {
    const held = this.subscriptions.get(uri);
    if (held) {
      held.count++;
      await held.taken;
      return;
    }
    const taken = this.request(async (s, sig) => {
      if (!s.subscribeResource) throw new UnsupportedSubscriptionError(this.label);
      await s.subscribeResource(uri, sig);
    }, signal);
    const entry = { count: 1, taken, settled: false };
    this.subscriptions.set(uri, entry);
    try {
      await taken;
      entry.settled = true;
    } catch (e) {
      // Whoever joined meanwhile learns the same failure; nobody holds the entry any more.
      if (this.subscriptions.get(uri) === entry) this.subscriptions.delete(uri);
      throw e;
    }
  }

  unsubscribeResource(uri: string): void {
    const held = this.subscriptions.get(uri);
    if (!held || --held.count > 0) return;
    this.subscriptions.delete(uri);
    const session = this.ready;
    void held.taken
      .then(() => session?.unsubscribeResource?.(uri, this.closeController.signal))
      .catch((e: unknown) => this.deps.log.debug({ configuration_id: this.id, err: e instanceof Error ? e.message : String(e) }, 'could not unsubscribe from an upstream resource'));
  }

  /** Another link of this configuration (replaced by this one) held these subscriptions. */
  inheritSubscriptions(from: ConfigurationLink): void {
    for (const [uri, held] of from.subscriptions) this.subscriptions.set(uri, { count: held.count, taken: Promise.resolve(), settled: true });
  }

  private resubscribe(session: ConnectorSession): void {
    // Entries still being taken are taken on this very session by their own request.
    for (const [uri, held] of this.subscriptions) {
      if (!held.settled) continue;
      if (!session.subscribeResource) return;
      // An update may have been missed while no session was subscribed.
      session.subscribeResource(uri, this.closeController.signal).then(
        () => this.onResourceUpdated(this, uri),
        (e: unknown) => this.deps.log.debug({ configuration_id: this.id, err: e instanceof Error ? e.message : String(e) }, 'could not subscribe again to an upstream resource'),
      );
    }
  }

  /**
   * The lean call path's way in: the open session's raw forwarder (never waits for a connection).
   * The lean path then goes through `pipeline` like call() does.
   */
  forwarder(): RawForwarder | undefined {
    if (!this.ready) return undefined;
    return this.ready.forwarder?.();
  }

  /** "Configuration "X" (pconf_…, GitHub) is skipped for …" — the wording of a call the breaker refused. */
  refusalText(reason: string): string {
    return `${capitalize(this.label)} ${reason}`;
  }

  /** "Configuration "X" (pconf_…, GitHub) failed: <reason>" — the wording of every failed call. */
  failureText(reason: string): string {
    return `${capitalize(this.label)} failed: ${reason}`;
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
      onListChanged: (kind) => {
        if (this.closed) return;
        if (kind === 'tools') this.forgetTools();
        this.onListChanged(this, kind);
      },
      onResourceUpdated: (uri) => {
        if (!this.closed && this.subscriptions.has(uri)) this.onResourceUpdated(this, uri);
      },
    });
  }

  private now(): number {
    return this.deps.now?.().getTime() ?? Date.now();
  }

  /**
   * Calls an upstream tool through the SDK client transport. Failures come back as `isError`
   * results that name this configuration; `verdict` says how the call ended (the pipeline has
   * already recorded it). An upstream JSON-RPC error is thrown as it is (the caller's mistake).
   */
  async call(upstreamTool: string, args: Record<string, unknown>, opts: CallOptions): Promise<LinkCallOutcome> {
    const admitted = this.pipeline.admit();
    if (!admitted.allowed) {
      const verdict: CallVerdict = { kind: 'failed', failure: 'circuit_open', reason: admitted.reason };
      return { result: { content: [{ type: 'text', text: this.refusalText(admitted.reason) }], isError: true }, verdict };
    }
    const scope = this.pipeline.begin(this.callTimeoutMs(), opts.signal);
    const signal = scope.signal;
    try {
      if (scope.cancelled) throw new CallCancelledError('cancelled by the client');
      const session = await withSignal(this.open(signal), signal, () => scope.abortError());
      const result = await withSignal(session.callTool(upstreamTool, args, { ...opts, signal }), signal, () => scope.abortError());
      const verdict: CallVerdict = { kind: 'answered', toolError: result.isError === true };
      this.pipeline.settle(verdict);
      return { result, verdict };
    } catch (e) {
      const verdict = verdictOfError(e, scope);
      this.pipeline.settle(verdict);
      if (verdict.kind === 'cancelled') throw new CallCancelledError('cancelled by the client');
      if (verdict.kind === 'rejected') throw e; // an upstream JSON-RPC error passes through as it is
      const reason = verdict.kind === 'failed' ? verdict.reason : describeFailure(e);
      return { result: { content: [{ type: 'text', text: this.failureText(reason) }], isError: true }, verdict };
    } finally {
      scope.end();
    }
  }

  /**
   * Any other request to the upstream (prompts, resources) through the same pipeline as a call:
   * admission, deadline, cancellation, verdict. The upstream's JSON-RPC error is thrown as it is;
   * a failure is thrown as an UpstreamError naming this configuration.
   */
  async request<T>(op: (session: ConnectorSession, signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    const admitted = this.pipeline.admit();
    if (!admitted.allowed) throw new UpstreamError('network', this.refusalText(admitted.reason));
    const scope = this.pipeline.begin(this.callTimeoutMs(), signal);
    try {
      if (scope.cancelled) throw new CallCancelledError('cancelled by the client');
      const session = await withSignal(this.open(scope.signal), scope.signal, () => scope.abortError());
      const result = await withSignal(op(session, scope.signal), scope.signal, () => scope.abortError());
      this.pipeline.settle({ kind: 'answered', toolError: false });
      return result;
    } catch (e) {
      const verdict = verdictOfError(e, scope);
      this.pipeline.settle(verdict);
      if (verdict.kind === 'cancelled') throw new CallCancelledError('cancelled by the client');
      if (verdict.kind === 'rejected') throw e;
      const reason = verdict.kind === 'failed' ? verdict.reason : describeFailure(e);
      throw new UpstreamError(e instanceof UpstreamError ? e.kind : 'network', this.failureText(reason));
    } finally {
      scope.end();
    }
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
    this.pipeline.closeAll();
    const s = this.session;
    this.session = undefined;
    if (s) await s.then((x) => x.close()).catch(() => {});
  }
}

/** The configuration's connector cannot subscribe to resources (a built-in one): the MCP layer answers -32602. */
export class UnsupportedSubscriptionError extends ValidationError {
  constructor(label: string) {
    super(`${label} offers no resource subscriptions`, 'uri');
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

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
