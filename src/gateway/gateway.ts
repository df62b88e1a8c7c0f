import { ownerKey, type Owner } from '../domain/principal.js';
import type { ChangeEvent } from '../store/types.js';
import { HealthWriter } from './health.js';
import { PrincipalGateway } from './principal-gateway.js';
import type { GatewayDeps } from './types.js';

/**
 * All principals' tool tables in one process. Store changes are routed to the owner they concern,
 * so another principal's edit never wakes (or notifies) this one.
 */
export class Gateway {
  private readonly principals = new Map<string, PrincipalGateway>();
  private readonly health: HealthWriter;
  private readonly unsubscribe: () => void;

  constructor(readonly deps: GatewayDeps) {
    this.health = new HealthWriter(deps.store, deps.log, deps.now);
    this.unsubscribe = deps.store.onChange((e) => this.onStoreChange(e));
  }

  forOwner(owner: Owner): PrincipalGateway {
    const key = ownerKey(owner);
    let g = this.principals.get(key);
    if (!g) {
      g = new PrincipalGateway(owner, this.deps, this.health);
      this.principals.set(key, g);
    }
    return g;
  }

  get principalCount(): number {
    return this.principals.size;
  }

  private onStoreChange(e: ChangeEvent): void {
    if (e.kind === 'configuration') {
      this.principals.get(ownerKey(e.owner))?.noteChange(e.before, e.after);
    } else if (e.kind === 'reload') {
      for (const g of this.principals.values()) g.noteReload();
    }
  }

  /** The network allowances changed: every open connection was made under the old ones. */
  noteNetworkChange(): void {
    for (const g of this.principals.values()) g.noteNetworkChange();
  }

  /** Waits for pending health writes (tests, shutdown). */
  flushHealth(): Promise<void> {
    return this.health.flush();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.all([...this.principals.values()].map((g) => g.close()));
    this.principals.clear();
    await this.health.flush();
  }
}
