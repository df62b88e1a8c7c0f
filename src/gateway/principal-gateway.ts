import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { CallOptions, ListKind } from '../domain/connector.js';
import type { ConfigurationRecord } from '../domain/configuration.js';
import { NotFoundError, UpstreamError } from '../domain/errors.js';
import type { Owner } from '../domain/principal.js';
import { principalLabel } from '../domain/principal.js';
import { ConfigurationLink, CallCancelledError, describeFailure } from './configuration-link.js';
import { toolFingerprint } from './fingerprint.js';
import type { HealthWriter } from './health.js';
import { authorizeTool, buildToolTable, type Route, type ToolTable } from './tool-table.js';
import type { GatewayDeps } from './types.js';
import { outcomeOf, type CallVerdict } from './call-pipeline.js';
import { PrincipalCatalog } from './principal-catalog.js';

/** Thrown for a tool name this principal does not have: the MCP layer answers -32602. */
export class UnknownToolError extends NotFoundError {
  constructor(name: string) {
    super(`Unknown tool: ${name}`, 'name');
  }
}

/** How soon a configuration whose discovery failed is tried again by tools/list. */
const RETRY_FAILED_MS = 30_000;

const EMPTY_TABLE: ToolTable = { tools: [], routes: new Map(), signature: '[]', clashes: new Map() };

/**
 * The tool table of one principal (owner): its enabled configurations, discovered in parallel,
 * namespaced, cached; rebuilt when the store reports a change that affects tools, and announced
 * to listeners only when what a client would see actually changed.
 */
export class PrincipalGateway {
  private links = new Map<string, ConfigurationLink>();
  private table: ToolTable = EMPTY_TABLE;
  private hasTable = false;
  private running: Promise<void> | undefined;
  private dirty = false;
  private readonly listeners = new Set<() => void>();
  /** Listeners of the upstreams' own resources/prompts list_changed (tools: `listeners`). */
  private readonly catalogListeners = { resources: new Set<() => void>(), prompts: new Set<() => void>() };
  private closed = false;
  /** Prompts and resources of the configurations that offer them. */
  readonly catalog: PrincipalCatalog;
  /** Set by a network settings change: the next rebuild replaces every link, whatever its fingerprint. */
  private retireAll = false;
  /** A relevant change arrived while the first table was being built: announce once it is there. */
  private changedDuringFirstLoad = false;

  private readonly label: string;

  constructor(
    readonly owner: Owner,
    private readonly deps: GatewayDeps,
    private readonly health: HealthWriter,
  ) {
    this.label = principalLabel({ ...owner, via: 'local' });
    this.catalog = new PrincipalCatalog(async () => {
      await this.ready();
      return [...this.links.values()];
    }, deps.log);
  }

  /** Subscribe to an upstream's resources or prompts list_changed; returns the unsubscribe function. */
  onCatalogChanged(kind: 'resources' | 'prompts', listener: () => void): () => void {
    const set = this.catalogListeners[kind];
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Subscribe to tool list changes; returns the unsubscribe function. */
  onToolsChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    // A listener needs a table to diff against: behind a load balancer its session may be served by a
    // replica where this principal never listed tools, and changes to an unloaded table are not announced.
    if (!this.closed && !this.hasTable && !this.running) this.scheduleRebuild();
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async listTools(): Promise<Tool[]> {
    await this.ready();
    // Configurations whose discovery failed get another chance, at most every RETRY_FAILED_MS;
    // tool lists past their time to live are asked for again.
    const now = Date.now();
    let stale = false;
    for (const l of this.links.values()) {
      if (l.failedAt !== undefined && now - l.failedAt >= RETRY_FAILED_MS) stale = true;
      else if (l.expired(this.deps.now?.().getTime() ?? now)) {
        l.forgetTools();
        stale = true;
      }
    }
    if (stale) {
      this.scheduleRebuild();
      await this.ready();
    }
    return this.table.tools;
  }

  /** The tools as JSON, serialized once per table (the lean tools/list answers with it as is). */
  async toolsJson(): Promise<string> {
    await this.listTools();
    return this.table.signature;
  }

  /** The current table without waiting (for the hot call path once loaded). */
  route(name: string): Route | undefined {
    return this.table.routes.get(name);
  }

  /** `onVerdict` learns how the call ended (e.g. "needs authorization", for the in-chat connect flow). */
  async callTool(name: string, args: Record<string, unknown>, opts: CallOptions, onVerdict?: (verdict: CallVerdict, route: Route) => void): Promise<CallToolResult> {
    let route = this.table.routes.get(name);
    if (!route) {
      await this.ready();
      route = this.table.routes.get(name);
    }
    if (!route) throw new UnknownToolError(name);
    const started = performance.now();
    let verdict: CallVerdict = { kind: 'cancelled' };
    try {
      const outcome = await route.link.call(route.upstreamName, args, opts);
      verdict = outcome.verdict;
      return outcome.result;
    } catch (e) {
      // Thrown only for a cancellation and for the upstream's own JSON-RPC error (passed through).
      verdict = e instanceof CallCancelledError ? { kind: 'cancelled' } : { kind: 'rejected' };
      throw e;
    } finally {
      this.reportCall(route, name, performance.now() - started, verdict);
      onVerdict?.(verdict, route);
    }
  }

  /** One event per tool call, whichever path served it (logs, metrics, audit). */
  reportCall(route: Route, name: string, durationMs: number, verdict: CallVerdict): void {
    const { outcome, errorKind } = outcomeOf(verdict);
    this.deps.observer?.toolCalled?.({
      owner: this.owner,
      principal: this.label,
      configurationId: route.link.id,
      connectorId: route.link.record.personal_connector_id,
      tool: name,
      upstreamTool: route.upstreamName,
      durationMs,
      outcome,
      ...(errorKind !== undefined ? { errorKind } : {}),
    });
  }

  /** Loads on first use; afterwards waits for a rebuild in progress, if any. */
  private ready(): Promise<void> {
    if (!this.hasTable && !this.running) this.scheduleRebuild();
    return this.running ?? Promise.resolve();
  }

  /** A store change concerning this owner: rebuild if it can affect tools. */
  noteChange(before: ConfigurationRecord | undefined, after: ConfigurationRecord | undefined): void {
    if (this.closed || (!this.hasTable && !this.running)) return; // not loaded: the first list reads fresh data
    const relevant = (r: ConfigurationRecord | undefined) => (r && r.enabled ? toolFingerprint(r) : null);
    const failed = after !== undefined && this.links.get(after.id)?.failedAt !== undefined && after.health_status !== 'unhealthy';
    // A failed configuration is retried when its owner saves it (new credentials, say); the
    // gateway's own write of `unhealthy` does not count.
    if (relevant(before) === relevant(after) && !failed) return;
    // The first build may have read the store before this change: its listeners may not have seen it.
    if (!this.hasTable) this.changedDuringFirstLoad = true;
    this.scheduleRebuild();
  }

  /**
   * An upstream said its list changed (its link already forgot the cached tools): rebuild, and the
   * principal's sessions hear of it only if what they see changed. A link already replaced is ignored.
   */
  private upstreamListChanged(link: ConfigurationLink, kind: ListKind): void {
    if (this.closed || this.links.get(link.id) !== link) return;
    if (kind === 'tools') this.scheduleRebuild();
    else for (const l of [...this.catalogListeners[kind]]) l();
  }

  /** Another process changed the store in ways we cannot itemise: re-read and diff. */
  noteReload(): void {
    if (this.closed || (!this.hasTable && !this.running)) return;
    this.scheduleRebuild();
  }

  /** The network allowances changed: reopen every configuration under the new ones. */
  noteNetworkChange(): void {
    if (this.closed || (!this.hasTable && !this.running)) return;
    this.retireAll = true;
    this.scheduleRebuild();
  }

  /** Rebuilds run one at a time; changes arriving meanwhile cause one more pass, not one each. */
  private scheduleRebuild(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    const run = (async () => {
      try {
        do {
          this.dirty = false;
          await this.rebuild();
        } while (this.dirty && !this.closed);
      } finally {
        this.running = undefined;
      }
    })();
    run.catch(() => {}); // callers awaiting ready() see the error; this only silences the unobserved branch
    this.running = run;
  }

  private async rebuild(): Promise<void> {
    const retireAll = this.retireAll;
    this.retireAll = false;
    const records = await this.enabledConfigurations();
    const next = new Map<string, ConfigurationLink>();
    const retired: ConfigurationLink[] = [];
    for (const r of records) {
      const current = this.links.get(r.id);
      if (current && !retireAll && current.fingerprint === toolFingerprint(r)) next.set(r.id, current);
      else {
        if (current) retired.push(current);
        next.set(r.id, new ConfigurationLink(r, this.deps, this.health, (link, kind) => this.upstreamListChanged(link, kind)));
      }
    }
    for (const [id, link] of this.links) if (!next.has(id)) retired.push(link);
    // A configuration added, replaced or removed may change what prompts/resources a client sees.
    const catalogMoved = retired.length > 0 || [...next.values()].some((l) => this.links.get(l.id) !== l);
    this.links = next;

    // Parallel discovery: one slow or failing configuration only loses its own tools.
    const discovered = new Map<string, Tool[]>();
    await Promise.all(
      [...next.values()].map(async (link) => {
        try {
          discovered.set(link.id, await link.discover());
        } catch (e) {
          this.deps.log.warn({ configuration_id: link.id, reason: describeFailure(e) }, 'tool discovery failed');
          // A person can fix this one from the chat: list the tool that connects it.
          if (e instanceof UpstreamError && e.kind === 'reauthorize') discovered.set(link.id, [authorizeTool(`"${link.record.name}"`)]);
        }
      }),
    );
    await Promise.all(retired.map((l) => l.close()));
    if (this.closed) return;
    const table = buildToolTable([...next.values()], discovered, (id) => this.deps.registry.get(id)?.name ?? id);
    for (const link of next.values()) this.health.toolNameClash(link.id, table.clashes.get(link.id), link.record.last_error);
    const changed = table.signature !== this.table.signature;
    const first = !this.hasTable;
    this.table = table;
    this.hasTable = true;
    const announce = first ? this.changedDuringFirstLoad : changed;
    this.changedDuringFirstLoad = false;
    if (announce) for (const l of [...this.listeners]) l();
    if (catalogMoved && !first) for (const l of [...this.catalogListeners.resources, ...this.catalogListeners.prompts]) l();
  }

  private async enabledConfigurations(): Promise<ConfigurationRecord[]> {
    const out: ConfigurationRecord[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.deps.store.listConfigurations(this.owner, { enabled: true }, { limit: 1000, ...(cursor ? { starting_after: cursor } : {}) });
      out.push(...page.data);
      const last = page.data[page.data.length - 1];
      if (!page.has_more || !last) return out;
      cursor = last.id;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.catalogListeners.resources.clear();
    this.catalogListeners.prompts.clear();
    await Promise.all([...this.links.values()].map((l) => l.close()));
    this.links.clear();
  }
}
