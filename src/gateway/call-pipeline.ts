import { ProtocolError } from '@modelcontextprotocol/server';
import { CREDENTIALS_UNREADABLE, errorMessage, isGatewayError, UpstreamError } from '../domain/errors.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import type { HealthWriter } from './health.js';
import { realDeadlineTimer, type DeadlineTimer, type ToolCallOutcome } from './types.js';

/**
 * The gateway's one call pipeline: admission (circuit breaker), deadline and cancellation, and
 * what each way a call can end means for the configuration. Both transports of a `tools/call` —
 * the SDK client (`ConfigurationLink.call`) and the lean forwarder (`src/mcp/fast-forward.ts`) —
 * go through it, so a call is judged the same whichever path carried it.
 */

/** How a call ended, in the one failure vocabulary. */
export type CallVerdict =
  /** The upstream answered with a result (its own isError included): it is available. */
  | { kind: 'answered'; toolError: boolean }
  /**
   * The upstream answered the request with a JSON-RPC error (invalid arguments, unknown tool, …):
   * the caller's mistake, passed through as the upstream said it. It says the upstream is available.
   */
  | { kind: 'rejected' }
  /** The caller went away or cancelled: says nothing about the upstream. */
  | { kind: 'cancelled' }
  /** The upstream, or the way to it, failed: `failure` is an UpstreamError kind or a gateway error code. */
  | { kind: 'failed'; failure: string; reason: string };

interface FailurePolicy {
  /** Counts toward the circuit breaker: the upstream looks unavailable. */
  breaker: boolean;
  /** The connection or session may be dead: reconnect before the next call. */
  reconnect: boolean;
  /** The configuration cannot work until a person acts (credentials): written to its health. */
  unhealthy: boolean;
}

/**
 * Only unavailability (network, timeout, 5xx, an answer that is not MCP) trips the breaker; only a
 * dead connection is dropped. Rate limits, refused credentials and bad input leave both alone.
 * Health turns unhealthy only for what cannot work until someone acts: the service refused the
 * credentials (401), a refresh was refused, or this process cannot open the sealed credentials. A
 * permission refusal for one resource (403) is the call's problem and leaves health alone.
 */
const POLICY: Readonly<Record<string, FailurePolicy>> = {
  network: { breaker: true, reconnect: true, unhealthy: false },
  protocol: { breaker: true, reconnect: true, unhealthy: false },
  timeout: { breaker: true, reconnect: false, unhealthy: false },
  server: { breaker: true, reconnect: false, unhealthy: false },
  credentials: { breaker: false, reconnect: false, unhealthy: true },
  reauthorize: { breaker: false, reconnect: false, unhealthy: true },
  [CREDENTIALS_UNREADABLE]: { breaker: false, reconnect: false, unhealthy: true },
};
const NEUTRAL: FailurePolicy = { breaker: false, reconnect: false, unhealthy: false };

export function failurePolicy(failure: string): FailurePolicy {
  return POLICY[failure] ?? NEUTRAL;
}

/** Raised when a call is aborted by the caller (not by a deadline): nothing to report upstream. */
export class CallCancelledError extends Error {}

/** The verdict for an error a transport threw (the SDK path); `scope` says whether a deadline or the caller aborted it. */
export function verdictOfError(e: unknown, scope: CallScope): CallVerdict {
  if (scope.cancelled || e instanceof CallCancelledError) return { kind: 'cancelled' };
  if (e instanceof ProtocolError) return { kind: 'rejected' };
  if (scope.timedOut) return { kind: 'failed', failure: 'timeout', reason: scope.deadlineReason() };
  const reason = describeFailure(e);
  return { kind: 'failed', failure: failureKind(e), reason };
}

/** The `error_kind` of a failure: the UpstreamError kind, else a gateway error's code. */
export function failureKind(e: unknown): string {
  return e instanceof UpstreamError ? e.kind : isGatewayError(e) ? e.code : 'internal';
}

/** The observers' outcome for a verdict, and the error kind of a failure. */
export function outcomeOf(verdict: CallVerdict): { outcome: ToolCallOutcome; errorKind?: string } {
  switch (verdict.kind) {
    case 'answered':
      return { outcome: verdict.toolError ? 'tool_error' : 'success' };
    case 'rejected':
      return { outcome: 'rejected' };
    case 'cancelled':
      return { outcome: 'cancelled' };
    case 'failed':
      return { outcome: 'upstream_error', errorKind: verdict.failure };
  }
}

/** A short, secret-free reason. Typed errors already carry safe messages; others are summarised. */
export function describeFailure(e: unknown): string {
  if (isGatewayError(e)) return e.message;
  const msg = errorMessage(e);
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}

/**
 * One call's deadline and cancellation. One controller per call, linked by hand: AbortSignal.any()
 * on long-lived signals (the link's close signal, a session's signal) accumulates listeners under load.
 */
export class CallScope {
  private readonly controller = new AbortController();
  private readonly cancelDeadline: () => void;
  timedOut = false;
  cancelled = false;
  /** Aborted because the configuration was closed or replaced mid-call. */
  closed = false;
  private readonly onCallerAbort = () => this.cancel();

  constructor(
    readonly timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
    private readonly onEnd: (scope: CallScope) => void,
    deadlineTimer: DeadlineTimer = realDeadlineTimer,
  ) {
    this.cancelDeadline = deadlineTimer(timeoutMs, () => {
      this.timedOut = true;
      this.controller.abort();
    });
    if (caller?.aborted) this.cancel();
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The caller cancelled (or went away). */
  cancel(): void {
    if (this.controller.signal.aborted) return;
    this.cancelled = true;
    this.controller.abort();
  }

  /** The configuration was closed or replaced during the call. */
  close(): void {
    if (this.controller.signal.aborted) return;
    this.closed = true;
    this.controller.abort();
  }

  deadlineReason(): string {
    return `the call did not finish within ${this.timeoutMs} ms`;
  }

  /** The error a wait aborted by this scope ends with. */
  abortError(): Error {
    if (this.cancelled) return new CallCancelledError('cancelled by the client');
    if (this.timedOut) return new UpstreamError('timeout', this.deadlineReason());
    return new UpstreamError('network', 'the configuration was changed or removed during the call');
  }

  end(): void {
    this.cancelDeadline();
    this.caller?.removeEventListener('abort', this.onCallerAbort);
    this.onEnd(this);
  }
}

export type Admission = { allowed: true } | { allowed: false; reason: string };

/** One configuration's pipeline state: its breaker, its calls in flight, and where verdicts are written. */
export class CallPipeline {
  private readonly breaker: CircuitBreaker;
  private readonly inflight = new Set<CallScope>();

  constructor(
    private readonly configurationId: string,
    breaker: CircuitBreakerOptions,
    private readonly health: HealthWriter,
    /** Drops the configuration's connection so the next call reconnects. */
    private readonly reconnect: () => void,
    /** Times call deadlines (GatewayDeps.deadlineTimer). */
    private readonly deadlineTimer: DeadlineTimer = realDeadlineTimer,
  ) {
    this.breaker = new CircuitBreaker(breaker);
  }

  /** Ask before calling: a configuration that keeps failing is skipped for a cool-down. */
  admit(): Admission {
    const d = this.breaker.admit();
    if (d.allowed) return { allowed: true };
    const seconds = Math.ceil(d.retryInMs / 1000);
    return { allowed: false, reason: `is skipped for ${seconds} s after ${d.failures} consecutive failures (last: ${d.lastFailure}). It is retried automatically after that.` };
  }

  /** Starts an admitted call's deadline; `caller` aborts it as a cancellation. */
  begin(timeoutMs: number, caller?: AbortSignal): CallScope {
    const scope = new CallScope(timeoutMs, caller, (s) => this.inflight.delete(s), this.deadlineTimer);
    this.inflight.add(scope);
    return scope;
  }

  /** Records how an admitted call ended: breaker, health, connection. Every admitted call is settled once. */
  settle(verdict: CallVerdict): void {
    switch (verdict.kind) {
      case 'answered':
        this.breaker.success();
        // A result proves the credentials work. An isError result may be a refusal of the
        // arguments before anything was sent, so it proves nothing.
        if (!verdict.toolError) this.health.healthy(this.configurationId);
        return;
      case 'rejected':
        this.breaker.success();
        return;
      case 'cancelled':
        this.breaker.release();
        return;
      case 'failed': {
        const p = failurePolicy(verdict.failure);
        if (p.breaker) this.breaker.failure(verdict.reason);
        else this.breaker.release();
        if (p.unhealthy) this.health.unhealthy(this.configurationId, verdict.reason);
        if (p.reconnect) this.reconnect();
      }
    }
  }

  /** An admitted call handed to the other transport before anything reached the upstream. */
  handOver(): void {
    this.breaker.release();
  }

  get breakerState(): 'closed' | 'open' | 'half-open' {
    return this.breaker.state;
  }

  /** Aborts every call in flight (the configuration is closed or replaced). */
  closeAll(): void {
    for (const s of this.inflight) s.close();
  }
}
