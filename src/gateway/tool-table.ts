import type { Tool } from '@modelcontextprotocol/server';
import type { ConfigurationLink } from './configuration-link.js';
import { GATEWAY_TOOL_NAMES } from '../domain/tool-prefix.js';
import { assignSlugs, dedupe, toolName } from './naming.js';
import { clashReports, type ToolNameClashes } from './tool-clash-report.js';

export const ROUTE_META_KEY = 'mcp-connector-gateway/route';
/** Marks the stand-in tool of a configuration that needs authorization before it can list its tools. */
export const AUTHORIZE_META_KEY = 'mcp-connector-gateway/authorize';

/**
 * What a configuration whose discovery met "needs authorization" lists instead of its tools: one
 * tool that connects it (from inside the chat when the client supports URL elicitation). Its
 * real tools replace it once the consent has landed.
 */
export function authorizeTool(serverLabel: string): Tool {
  return {
    name: 'authorize',
    description: `Connect your account: ${serverLabel} needs your authorization before its tools can be listed. Calling this opens (or names) the sign-in page; its tools appear once you have consented.`,
    inputSchema: { type: 'object', properties: {} },
    _meta: { [AUTHORIZE_META_KEY]: true },
  };
}

export interface Route {
  link: ConfigurationLink;
  upstreamName: string;
  /** The tool declares x-mcp-header parameters: its calls carry mirrored headers, so only the SDK path may forward them. */
  mirrorsHeaders: boolean;
  /** The stand-in `authorize` tool (nothing upstream answers to it). */
  authorize?: true;
}

export interface ToolTable {
  tools: Tool[];
  routes: Map<string, Route>;
  /** `tools` as JSON: changes exactly when what a client sees in tools/list changes. */
  signature: string;
  /** Per configuration whose tool lost its name to an older configuration's (or the gateway's): what to report in its `last_error`. */
  clashes: ToolNameClashes;
}

/**
 * Namespaces every configuration's tools: `<tool_prefix>_<tool>` (the prefix stored with the
 * configuration), unique, ≤ 64 characters, in a
 * deterministic order (configuration creation order, then the upstream's own order).
 *
 * Two configurations' tools can still meet on one name when one is only known at listing time
 * (a custom MCP server under a chosen prefix, or none): the older configuration keeps the name, the
 * newer one's tool gets a suffix (so it stays callable) and the clash is reported in the newer
 * configuration's `last_error` until a prefix is changed. The gateway's own tool names are never
 * given to a configuration's tool.
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
  const names = dedupe(
    pending.map((p) => ({ name: p.name, key: `${p.link.id}\u0000${p.tool.name}` })),
    GATEWAY_TOOL_NAMES,
  );
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
    routes.set(name, {
      link: p.link,
      upstreamName: p.tool.name,
      mirrorsHeaders: JSON.stringify(p.tool.inputSchema).includes('x-mcp-header'),
      ...(p.tool._meta?.[AUTHORIZE_META_KEY] === true ? { authorize: true as const } : {}),
    });
  });
  const clashes = clashReports(pending.map((p, i) => ({ link: p.link, upstream: p.tool.name, wanted: p.name, given: names[i] ?? p.name })));
  return { tools, routes, signature: JSON.stringify(tools), clashes };
}
