import type { Tool } from '@modelcontextprotocol/server';
import type { ConfigurationLink } from './configuration-link.js';
import { assignSlugs, dedupe, toolName } from './naming.js';

export const ROUTE_META_KEY = 'mcp-connector-gateway/route';

export interface Route {
  link: ConfigurationLink;
  upstreamName: string;
  /** The tool declares x-mcp-header parameters: its calls carry mirrored headers, so only the SDK path may forward them. */
  mirrorsHeaders: boolean;
}

export interface ToolTable {
  tools: Tool[];
  routes: Map<string, Route>;
  /** `tools` as JSON: changes exactly when what a client sees in tools/list changes. */
  signature: string;
}

/**
 * Namespaces every configuration's tools: `<tool_prefix>_<tool>` (the prefix stored with the
 * configuration), unique, ≤ 64 characters, in a
 * deterministic order (configuration creation order, then the upstream's own order).
 */
export function buildToolTable(links: readonly ConfigurationLink[], discovered: ReadonlyMap<string, Tool[]>, connectorNames: (id: string) => string): ToolTable {
  const ordered = [...links].sort((a, b) => a.record.created_at.localeCompare(b.record.created_at) || a.id.localeCompare(b.id));
  const slugs = assignSlugs(ordered.map((l) => ({ id: l.id, name: l.record.name, tool_prefix: l.record.tool_prefix })));
  const pending: { link: ConfigurationLink; tool: Tool; name: string }[] = [];
  for (const link of ordered) {
    const tools = discovered.get(link.id);
    if (!tools) continue;
    const slug = slugs.get(link.id) ?? 'config';
    for (const tool of tools) pending.push({ link, tool, name: toolName(slug, tool.name) });
  }
  const names = dedupe(pending.map((p) => ({ name: p.name, key: `${p.link.id}\u0000${p.tool.name}` })));
  const tools: Tool[] = [];
  const routes = new Map<string, Route>();
  pending.forEach((p, i) => {
    const name = names[i] ?? p.name;
    const connector = connectorNames(p.link.record.personal_connector_id);
    const origin = `[${p.link.record.name} · ${connector}]`;
    tools.push({
      ...p.tool,
      name,
      description: p.tool.description ? `${origin} ${p.tool.description}` : origin,
      _meta: {
        ...(p.tool._meta ?? {}),
        [ROUTE_META_KEY]: {
          configuration_id: p.link.id,
          configuration_name: p.link.record.name,
          personal_connector_id: p.link.record.personal_connector_id,
          upstream_tool: p.tool.name,
        },
      },
    });
    routes.set(name, { link: p.link, upstreamName: p.tool.name, mirrorsHeaders: JSON.stringify(p.tool.inputSchema).includes('x-mcp-header') });
  });
  return { tools, routes, signature: JSON.stringify(tools) };
}
