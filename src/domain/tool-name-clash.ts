import { GATEWAY_TOOL_NAMES, toolName } from './tool-prefix.js';

/** One configuration as far as its tool names go. */
export interface NamedCatalog {
  id: string;
  name: string;
  tool_prefix: string;
  /** Its upstream tool names when they are known at save time (built-in connectors); undefined when discovered at listing time. */
  tools?: readonly string[] | undefined;
}

export type ToolNameClash =
  | { kind: 'prefix'; other: NamedCatalog }
  | { kind: 'tool'; tool: string; other: NamedCatalog }
  | { kind: 'gateway'; tool: string };

/**
 * Whether `candidate`'s tool prefix would make one of its tools share a name with another
 * configuration's tool (or the gateway's own), as far as that is known at save time: two equal
 * non-empty prefixes always clash; names are compared where both catalogs are static. A clash
 * with tools only known at listing time is settled there (src/gateway/tool-table.ts).
 */
export function findToolNameClash(candidate: NamedCatalog, others: readonly NamedCatalog[]): ToolNameClash | undefined {
  const rivals = others.filter((o) => o.id !== candidate.id);
  if (candidate.tool_prefix !== '') {
    const same = rivals.find((o) => o.tool_prefix === candidate.tool_prefix);
    if (same) return { kind: 'prefix', other: same };
  }
  if (!candidate.tools) return undefined;
  const mine = new Set(candidate.tools.map((t) => toolName(candidate.tool_prefix, t)));
  for (const tool of mine) if (GATEWAY_TOOL_NAMES.has(tool)) return { kind: 'gateway', tool };
  for (const other of rivals) {
    if (!other.tools) continue;
    for (const t of other.tools) {
      const name = toolName(other.tool_prefix, t);
      if (mine.has(name)) return { kind: 'tool', tool: name, other };
    }
  }
  return undefined;
}

export function describeClash(prefix: string, clash: ToolNameClash): string {
  const chosen = prefix === '' ? 'no tool_prefix' : `tool_prefix "${prefix}"`;
  switch (clash.kind) {
    case 'prefix':
      return `tool_prefix: "${prefix}" is already the tool prefix of configuration "${clash.other.name}" (${clash.other.id}); tool names must stay unique, choose another`;
    case 'tool':
      return `tool_prefix: with ${chosen} this configuration's tool "${clash.tool}" would have the same name as a tool of configuration "${clash.other.name}" (${clash.other.id}); choose another prefix`;
    case 'gateway':
      return `tool_prefix: with ${chosen} this configuration's tool "${clash.tool}" would have the name of the gateway's own tool; choose another prefix`;
  }
}
