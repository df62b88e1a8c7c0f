import { EventEmitter } from 'node:events';
import type { Store } from '../store/types.js';
import { flowId } from './pending-flows.js';

export type AuthorizationOutcome = 'authorized' | 'failed' | 'timeout';

/**
 * Connect flows that ended in this process without new credentials (refused, wrong browser, the
 * code exchange failed), by flow id: a chat waiting for one stops waiting at once. A flow completed
 * by another process is seen through the store instead (its credentials move `updated_at`).
 */
export class FlowEndings {
  readonly #events = new EventEmitter();

  constructor() {
    this.#events.setMaxListeners(0);
  }

  failed(state: string): void {
    this.#events.emit(flowId(state));
  }

  on(id: string, listener: () => void): () => void {
    this.#events.on(id, listener);
    return () => this.#events.off(id, listener);
  }
}

export interface AuthorizationWaitOptions {
  store: Pick<Store, 'getConfiguration' | 'onChange'>;
  endings?: FlowEndings;
  configurationId: string;
  /** The configuration's `updated_at` when the flow started: new credentials move it. */
  baseline: string;
  /** The flow's state (what the authorize URL carries). */
  state: string;
  signal: AbortSignal;
  timeoutMs: number;
  /**
   * Re-reads the configuration this often besides store events: a store shared with other
   * processes may only say "reload" or nothing at all (default 2 s).
   */
  pollMs?: number;
}

/**
 * Waits until a person finished the connect flow of a configuration: its credentials were replaced
 * (authorized), the flow failed in this process (failed), or `timeoutMs` passed. The caller's
 * signal ends the wait with an AbortError.
 */
export function waitForAuthorization(opts: AuthorizationWaitOptions): Promise<AuthorizationOutcome> {
  return new Promise<AuthorizationOutcome>((resolve, reject) => {
    let done = false;
    const cleanups: (() => void)[] = [];
    const finish = (outcome: AuthorizationOutcome | Error) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const check = async () => {
      try {
        const r = await opts.store.getConfiguration(opts.configurationId);
        if (!r) finish('failed'); // deleted meanwhile
        else if (r.updated_at !== opts.baseline) finish('authorized');
      } catch {
        // a passing store fault: the next event or tick looks again
      }
    };
    if (opts.signal.aborted) {
      finish(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = () => finish(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => opts.signal.removeEventListener('abort', onAbort));
    cleanups.push(
      opts.store.onChange((e) => {
        if (e.kind === 'reload' || (e.kind === 'configuration' && e.id === opts.configurationId)) void check();
      }),
    );
    if (opts.endings) cleanups.push(opts.endings.on(flowId(opts.state), () => finish('failed')));
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs);
    const poll = setInterval(() => void check(), opts.pollMs ?? 2_000);
    timer.unref();
    poll.unref();
    cleanups.push(() => clearTimeout(timer), () => clearInterval(poll));
    void check();
  });
}
