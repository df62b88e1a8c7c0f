import { effectivePrefixes } from '../domain/tool-prefix.js';
import { ownerKey } from '../domain/principal.js';

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Gives a `tool_prefix` to every stored configuration that has none (written before prefixes were
 * stored: a schema 2 data file, a journal line of an older process, an old export), as the gateway
 * named its tools until then, so upgrading renames no tool: per owner, in creation order, the first
 * namesake keeps the plain slug. Deterministic, so every process upgrading the same data agrees.
 * Records it cannot read are returned as they are, for the schema check to name.
 */
export function fillToolPrefixes(configurations: readonly unknown[]): unknown[] {
  if (!configurations.some((c) => isRecord(c) && c.tool_prefix === undefined)) return [...configurations];
  const byOwner = new Map<string, { index: number; id: string; name: string; at: number; tool_prefix?: string }[]>();
  configurations.forEach((c, index) => {
    if (!isRecord(c)) return;
    const id = str(c.id);
    const name = str(c.name);
    const org = str(c.organization_id);
    if (id === undefined || name === undefined || org === undefined) return;
    const user = str(c.user_id);
    const key = ownerKey(user !== undefined ? { organization_id: org, user_id: user } : { organization_id: org, ...(str(c.api_key_id) !== undefined ? { api_key_id: str(c.api_key_id)! } : {}) });
    const list = byOwner.get(key) ?? [];
    byOwner.set(key, list);
    const prefix = str(c.tool_prefix);
    list.push({ index, id, name, at: Date.parse(str(c.created_at) ?? ''), ...(prefix !== undefined ? { tool_prefix: prefix } : {}) });
  });
  const out = [...configurations];
  for (const list of byOwner.values()) {
    // The order the stores list an owner's configurations in: created_at, then id.
    list.sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const prefixes = effectivePrefixes(list);
    for (const item of list) {
      const raw = configurations[item.index] as Raw;
      if (raw.tool_prefix === undefined) out[item.index] = { ...raw, tool_prefix: prefixes.get(item.id) };
    }
  }
  return out;
}
