import { networkOverrides, overrideDisagreements, resolveNetwork, type NetworkOverrides, type ResolvedNetwork } from '../config/network-settings.js';
import { networkPolicy, type Settings } from '../config/settings.js';
import type { Logger } from '../domain/logger.js';
import type { NetworkPolicy } from '../domain/network.js';
import type { Store } from '../store/types.js';

/**
 * This process's network allowances, kept current with the stored settings: when another process
 * (or this one) runs `settings set`, the store says so and every part of this process that holds
 * `policy` sees the new value at its next check; listeners (the gateway) rebuild what they cached
 * under the old one. Overrides of this process keep winning, and each disagreement is logged.
 */
export class LiveNetwork {
  /** Live view of `settings.network`: what the connectors, guards and services check against. */
  readonly policy: NetworkPolicy;
  #resolved: ResolvedNetwork;
  readonly #listeners = new Set<() => void>();
  #unsubscribe: () => void = () => {};
  #refreshing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly settings: Settings,
    private readonly overrides: NetworkOverrides,
    private readonly store: Store,
    private readonly log: Logger,
    resolved: ResolvedNetwork,
  ) {
    this.#resolved = resolved;
    this.policy = networkPolicy(settings);
    this.#apply(resolved);
  }

  /** Reads the stored settings once, writes the effective values into `settings.network`, and follows changes. */
  static async open(opts: { settings: Settings; settingsFile: string | undefined; env: NodeJS.ProcessEnv; store: Store; log: Logger }): Promise<LiveNetwork> {
    const overrides = networkOverrides(opts.settings, opts.env, opts.settingsFile);
    const resolved = resolveNetwork(await opts.store.getStoredSettings(), overrides);
    const live = new LiveNetwork(opts.settings, overrides, opts.store, opts.log, resolved);
    for (const w of overrideDisagreements(resolved)) opts.log.warn({ setting: 'network' }, w);
    live.#unsubscribe = opts.store.onChange((e) => {
      if (e.kind === 'settings' || e.kind === 'reload') live.refresh();
    });
    return live;
  }

  get resolved(): ResolvedNetwork {
    return this.#resolved;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Re-reads the stored settings (one at a time, in order); resolves when applied. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(async () => {
      let stored;
      try {
        stored = await this.store.getStoredSettings();
      } catch (err) {
        this.log.warn({ err }, 'cannot read the stored settings; keeping the network settings in use');
        return;
      }
      const next = resolveNetwork(stored, this.overrides);
      const changed = next.allow_loopback.value !== this.#resolved.allow_loopback.value || next.allow_private.value !== this.#resolved.allow_private.value;
      const sharedChanged = next.allow_loopback.shared !== this.#resolved.allow_loopback.shared || next.allow_private.shared !== this.#resolved.allow_private.shared;
      this.#resolved = next;
      if (sharedChanged) for (const w of overrideDisagreements(next)) this.log.warn({ setting: 'network' }, w);
      if (!changed) return;
      this.#apply(next);
      this.log.info({ allow_loopback: next.allow_loopback.value, allow_private: next.allow_private.value }, 'network settings changed');
      for (const l of [...this.#listeners]) {
        try {
          l();
        } catch (err) {
          this.log.error({ err }, 'network settings listener failed');
        }
      }
    });
    return this.#refreshing;
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  #apply(r: ResolvedNetwork): void {
    this.settings.network.allow_loopback = r.allow_loopback.value;
    this.settings.network.allow_private = r.allow_private.value;
  }
}
