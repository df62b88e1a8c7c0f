import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { ConfigurationRecord } from '../domain/configuration.js';
import { ConflictError } from '../domain/errors.js';
import type { Owner } from '../domain/principal.js';
import { describeClash, findToolNameClash, type NamedCatalog } from '../domain/tool-name-clash.js';
import type { Store } from '../store/types.js';

/**
 * Refuses (409, param `tool_prefix`) a chosen tool prefix that would give two of the owner's tools
 * one name, as far as that is known at save time (src/domain/tool-name-clash.ts). Reads a snapshot:
 * two saves racing each other can both pass, and the tool table settles that as it settles
 * clashes with tools discovered later (the older configuration keeps the name).
 */
export async function checkToolPrefix(
  store: Store,
  registry: ConnectorRegistry,
  owner: Owner,
  candidate: { id: string; name: string; personal_connector_id: string; tool_prefix: string },
): Promise<void> {
  const others = (await ownerConfigurations(store, owner)).filter((r) => r.tool_prefix !== undefined).map((r) => catalogOf(registry, r));
  const clash = findToolNameClash(catalogOf(registry, candidate), others);
  if (!clash) return;
  throw new ConflictError(describeClash(candidate.tool_prefix, clash), 'tool_name_clash', 'tool_prefix');
}

function catalogOf(registry: ConnectorRegistry, r: { id: string; name: string; personal_connector_id: string; tool_prefix?: string | undefined }): NamedCatalog {
  const tools = registry.get(r.personal_connector_id)?.tools ?? [];
  // An empty static catalog means the tools are discovered (custom MCP): unknown until listed.
  return { id: r.id, name: r.name, tool_prefix: r.tool_prefix ?? '', tools: tools.length > 0 ? tools.map((t) => t.name) : undefined };
}

async function ownerConfigurations(store: Store, owner: Owner): Promise<ConfigurationRecord[]> {
  const out: ConfigurationRecord[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listConfigurations(owner, {}, { limit: 1000, ...(cursor ? { starting_after: cursor } : {}) });
    out.push(...page.data);
    const last = page.data[page.data.length - 1];
    if (!page.has_more || !last) return out;
    cursor = last.id;
  }
}
