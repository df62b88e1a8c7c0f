import type { GetPromptResult, Prompt, ReadResourceResult, Resource, ResourceTemplateType } from '@modelcontextprotocol/server';
import type { ConfigurationLink } from './configuration-link.js';
import { assignSlugs, dedupe, toolName } from './naming.js';
import { ROUTE_META_KEY } from './tool-table.js';

/**
 * Resource URIs are namespaced by prefixing `connector-gateway://<configuration id>/` to the
 * upstream's URI, unchanged: reversible by a prefix cut, stable across renames (the id never
 * changes, unlike a slug), and a URI template stays a template (`…/file:///{path}` expands to a
 * URI that maps back the same way).
 */
export const RESOURCE_SCHEME = 'connector-gateway';

export function namespacedUri(configurationId: string, uri: string): string {
  return `${RESOURCE_SCHEME}://${configurationId}/${uri}`;
}

/** The configuration and upstream URI behind a namespaced URI, or undefined when it is not one of ours. */
export function parseNamespacedUri(uri: string): { configurationId: string; uri: string } | undefined {
  const prefix = `${RESOURCE_SCHEME}://`;
  if (!uri.startsWith(prefix)) return undefined;
  const rest = uri.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { configurationId: rest.slice(0, slash), uri: rest.slice(slash + 1) };
}

function ordered(links: readonly ConfigurationLink[]): ConfigurationLink[] {
  return [...links].sort((a, b) => a.record.created_at.localeCompare(b.record.created_at) || a.id.localeCompare(b.id));
}

function routeMeta(link: ConfigurationLink, upstream: Record<string, string>): Record<string, unknown> {
  return { [ROUTE_META_KEY]: { configuration_id: link.id, configuration_name: link.record.name, personal_connector_id: link.record.personal_connector_id, ...upstream } };
}

export interface PromptRoute {
  link: ConfigurationLink;
  upstreamName: string;
}

/** Prompts are named like tools: `<configuration slug>_<prompt>`, unique, at most 64 characters. */
export function buildPromptTable(links: readonly ConfigurationLink[], found: ReadonlyMap<string, Prompt[]>): { prompts: Prompt[]; routes: Map<string, PromptRoute> } {
  const sorted = ordered(links);
  const slugs = assignSlugs(sorted.map((l) => ({ id: l.id, name: l.record.name, tool_prefix: l.record.tool_prefix })));
  const pending: { link: ConfigurationLink; prompt: Prompt; name: string }[] = [];
  for (const link of sorted) {
    for (const prompt of found.get(link.id) ?? []) pending.push({ link, prompt, name: toolName(slugs.get(link.id) ?? 'config', prompt.name) });
  }
  const names = dedupe(pending.map((p) => ({ name: p.name, key: `${p.link.id}\u0000${p.prompt.name}` })));
  const prompts: Prompt[] = [];
  const routes = new Map<string, PromptRoute>();
  pending.forEach((p, i) => {
    const name = names[i] ?? p.name;
    prompts.push({ ...p.prompt, name, _meta: { ...(p.prompt._meta ?? {}), ...routeMeta(p.link, { upstream_prompt: p.prompt.name }) } });
    routes.set(name, { link: p.link, upstreamName: p.prompt.name });
  });
  return { prompts, routes };
}

export function namespaceResources(links: readonly ConfigurationLink[], found: ReadonlyMap<string, Resource[]>): Resource[] {
  return ordered(links).flatMap((link) =>
    (found.get(link.id) ?? []).map((r) => ({ ...r, uri: namespacedUri(link.id, r.uri), _meta: { ...(r._meta ?? {}), ...routeMeta(link, { upstream_uri: r.uri }) } })),
  );
}

export function namespaceTemplates(links: readonly ConfigurationLink[], found: ReadonlyMap<string, ResourceTemplateType[]>): ResourceTemplateType[] {
  return ordered(links).flatMap((link) =>
    (found.get(link.id) ?? []).map((t) => ({ ...t, uriTemplate: namespacedUri(link.id, t.uriTemplate), _meta: { ...(t._meta ?? {}), ...routeMeta(link, { upstream_uri_template: t.uriTemplate }) } })),
  );
}

/** What a resources/read answered, with every content's URI in the client's namespace. */
export function namespaceReadResult(configurationId: string, result: ReadResourceResult): ReadResourceResult {
  return { ...result, contents: result.contents.map((c) => ({ ...c, uri: namespacedUri(configurationId, c.uri) })) };
}

/** Embedded resources and resource links in a prompt's messages point into the client's namespace too. */
export function namespacePromptResult(configurationId: string, result: GetPromptResult): GetPromptResult {
  return {
    ...result,
    messages: result.messages.map((m) => {
      const c = m.content;
      if (c.type === 'resource') return { ...m, content: { ...c, resource: { ...c.resource, uri: namespacedUri(configurationId, c.resource.uri) } } };
      if (c.type === 'resource_link') return { ...m, content: { ...c, uri: namespacedUri(configurationId, c.uri) } };
      return m;
    }),
  };
}
