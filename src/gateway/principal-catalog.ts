import type { CompleteRequestParams, CompleteResult, GetPromptResult, Prompt, ReadResourceResult, Resource, ResourceTemplateType } from '@modelcontextprotocol/server';
import type { ConnectorSession } from '../domain/connector.js';
import { NotFoundError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { buildPromptTable, isTransparent, namespacePromptResult, namespaceReadResult, namespaceResources, namespaceTemplates, ordered, parseNamespacedUri, type PromptRoute } from './catalog.js';
import { describeFailure, type ConfigurationLink } from './configuration-link.js';

/** A prompt name this principal does not have: the MCP layer answers -32602. */
export class UnknownPromptError extends NotFoundError {
  constructor(name: string) {
    super(`Unknown prompt: ${name}`, 'name');
  }
}

/** A resource URI that names none of this principal's configurations: the MCP layer answers -32002. */
export class UnknownResourceError extends NotFoundError {
  constructor(uri: string) {
    super(`Resource not found: ${uri}`, 'uri');
  }
}

/**
 * One principal's prompts and resources, from the configurations that offer them (custom MCP
 * servers). Lists are asked of every such configuration in parallel on each request, not cached:
 * they are rare next to tool calls, and an upstream's `list_changed` then needs no invalidation
 * here, only passing on. A configuration that fails to answer loses only its own entries.
 */
export class PrincipalCatalog {
  private promptRoutes = new Map<string, PromptRoute>();
  /** The URIs the last resources/list gave out unmapped (transparent configurations), and whose each is. */
  private plainUris = new Map<string, string>();

  constructor(
    private readonly links: () => Promise<ConfigurationLink[]>,
    private readonly log: Logger,
  ) {}

  private async gather<T>(what: string, signal: AbortSignal, ask: (s: ConnectorSession, signal: AbortSignal) => Promise<T[]> | undefined): Promise<{ links: ConfigurationLink[]; found: Map<string, T[]> }> {
    const links = (await this.links()).filter((l) => l.discoversCatalog);
    const found = new Map<string, T[]>();
    await Promise.all(
      links.map(async (link) => {
        try {
          found.set(link.id, await link.request((s, sig) => ask(s, sig) ?? Promise.resolve([]), signal));
        } catch (e) {
          if (!signal.aborted) this.log.warn({ configuration_id: link.id, reason: describeFailure(e) }, `${what} failed`);
        }
      }),
    );
    return { links, found };
  }

  async listPrompts(signal: AbortSignal): Promise<Prompt[]> {
    const { links, found } = await this.gather('prompts/list', signal, (s, sig) => s.listPrompts?.(sig));
    const table = buildPromptTable(links, found);
    this.promptRoutes = table.routes;
    return table.prompts;
  }

  private async promptRoute(name: string, signal: AbortSignal): Promise<PromptRoute> {
    let route = this.promptRoutes.get(name);
    if (!route) {
      await this.listPrompts(signal);
      route = this.promptRoutes.get(name);
    }
    if (!route) throw new UnknownPromptError(name);
    return route;
  }

  /**
   * The configuration behind a URI (or URI template) and the upstream's own. A namespaced URI names
   * its configuration. Any other URI is a transparent (prefix-less) configuration's: the one whose
   * resources/list last gave it out, else the oldest transparent configuration (a templated URI
   * is never listed), so with one such configuration the gateway is transparent for resources.
   */
  private async resourceRoute(uri: string): Promise<{ link: ConfigurationLink; uri: string }> {
    const links = (await this.links()).filter((l) => l.discoversCatalog);
    const parsed = parseNamespacedUri(uri);
    const named = parsed ? links.find((l) => l.id === parsed.configurationId) : undefined;
    if (parsed && named) return { link: named, uri: parsed.uri };
    const transparent = ordered(links.filter(isTransparent));
    const listedBy = this.plainUris.get(uri);
    const link = transparent.find((l) => l.id === listedBy) ?? transparent[0];
    if (!link) throw new UnknownResourceError(uri);
    return { link, uri };
  }

  async getPrompt(name: string, args: Record<string, string> | undefined, signal: AbortSignal): Promise<GetPromptResult> {
    const { link, upstreamName } = await this.promptRoute(name, signal);
    const result = await link.request((s, sig) => {
      if (!s.getPrompt) throw new UnknownPromptError(name);
      return s.getPrompt(upstreamName, args, sig);
    }, signal);
    return namespacePromptResult(link, result);
  }

  async listResources(signal: AbortSignal): Promise<Resource[]> {
    const { links, found } = await this.gather('resources/list', signal, (s, sig) => s.listResources?.(sig));
    const plain = new Map<string, string>();
    // Reversed: the oldest configuration that lists a URI owns it.
    for (const link of ordered(links.filter(isTransparent)).reverse()) for (const r of found.get(link.id) ?? []) plain.set(r.uri, link.id);
    this.plainUris = plain;
    return namespaceResources(links, found);
  }

  async listResourceTemplates(signal: AbortSignal): Promise<ResourceTemplateType[]> {
    const { links, found } = await this.gather('resources/templates/list', signal, (s, sig) => s.listResourceTemplates?.(sig));
    return namespaceTemplates(links, found);
  }

  async readResource(uri: string, signal: AbortSignal): Promise<ReadResourceResult> {
    const route = await this.resourceRoute(uri);
    const result = await route.link.request((s, sig) => {
      if (!s.readResource) throw new UnknownResourceError(uri);
      return s.readResource(route.uri, sig);
    }, signal);
    return namespaceReadResult(route.link, result);
  }

  /**
   * Subscribes (for one of the principal's sessions) to a resource by its gateway URI; settles when
   * the upstream took it, with the release (bound to the configuration it reached: which one a
   * plain URI names can change with the next listing). Updates come through
   * PrincipalGateway.onResourceUpdated under the gateway's URI.
   */
  async subscribe(uri: string, signal: AbortSignal): Promise<() => void> {
    const route = await this.resourceRoute(uri);
    await route.link.subscribeResource(route.uri, signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The link may have been replaced since (it inherited the subscription): release on the current one.
      void this.links().then((links) => (links.find((l) => l.id === route.link.id) ?? route.link).unsubscribeResource(route.uri));
    };
  }

  /**
   * Completion for a prompt's or a resource template's argument, asked of the configuration that
   * offers it under the upstream's own name or URI; its answer is the client's as it is. The
   * client's `_meta` (its own era's envelope) stays here: the upstream gets the gateway's.
   */
  async complete(params: CompleteRequestParams, signal: AbortSignal): Promise<CompleteResult> {
    const { ref, argument, context } = params;
    const target =
      ref.type === 'ref/prompt'
        ? await this.promptRoute(ref.name, signal).then((r) => ({ link: r.link, ref: { ...ref, name: r.upstreamName } }))
        : await this.resourceRoute(ref.uri).then((r) => ({ link: r.link, ref: { ...ref, uri: r.uri } }));
    const upstream: CompleteRequestParams = { ref: target.ref, argument, ...(context !== undefined ? { context } : {}) };
    return target.link.request((s, sig) => (s.complete ? s.complete(upstream, sig) : Promise.resolve({ completion: { values: [] } })), signal);
  }
}
