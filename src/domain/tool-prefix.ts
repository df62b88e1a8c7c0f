import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A configuration's tool prefix: its tools are exposed as `<tool_prefix>_<tool>`. It is given once,
 * when the configuration is created, and stored with it, so a configuration's tool names never move
 * to another configuration (a namesake deleted, a restart, a different listing order). Renaming a
 * configuration keeps its prefix. Unique among one owner's configurations. The empty string means
 * "no prefix" (tools keep their upstream names); the gateway never assigns it by itself.
 */
export const TOOL_PREFIX_RE = /^[A-Za-z0-9_-]{0,64}$/;
export const ToolPrefixSchema = z.string().regex(TOOL_PREFIX_RE, { error: 'must be at most 64 characters of A-Z, a-z, 0-9, _ and -' });

export const MAX_TOOL_NAME = 64;

/**
 * Names the gateway itself may list beside the configurations' tools (the stdio server's settings
 * tool, src/mcp/settings-tool.ts). A configuration's tool never takes one: refused when a chosen
 * prefix would give it one, left out when an upstream's own tool turns out to be called so.
 */
export const GATEWAY_TOOL_NAMES: ReadonlySet<string> = new Set(['open-gateway-settings']);

export function shortHash(input: string, length: number): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/** "My GitHub (work)" → "my_github_work". Never empty: falls back to "config". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32)
    .replace(/_+$/g, '');
  return slug || 'config';
}

/**
 * The prefix a new configuration gets: the slug of its name, or, when another configuration of the
 * owner holds that already, the slug plus a hash of its id (extended on the rare hash collision).
 * Deterministic, so every process and every upgrade computes the same.
 */
export function pickToolPrefix(name: string, id: string, taken: ReadonlySet<string>): string {
  const base = slugify(name);
  let prefix = base;
  if (taken.has(prefix)) prefix = `${base}_${shortHash(id, 6)}`;
  for (let n = 8; taken.has(prefix) && n <= 64; n += 2) prefix = `${base}_${shortHash(id, n)}`;
  return prefix;
}

export interface PrefixInput {
  id: string;
  name: string;
  tool_prefix?: string | undefined;
}

/**
 * The prefix of each of one owner's configurations, given in creation order. A stored prefix is used
 * as it is. A configuration stored before prefixes were kept (no `tool_prefix`) gets the one the
 * gateway computed for it then — first in creation order claims the plain slug — avoiding every
 * stored one: this is also how a data file or database is upgraded, so existing names stay.
 */
export function effectivePrefixes(configs: readonly PrefixInput[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const c of configs) {
    if (c.tool_prefix === undefined) continue;
    out.set(c.id, c.tool_prefix);
    if (c.tool_prefix !== '') taken.add(c.tool_prefix);
  }
  for (const c of configs) {
    if (c.tool_prefix !== undefined) continue;
    const prefix = pickToolPrefix(c.name, c.id, taken);
    taken.add(prefix);
    out.set(c.id, prefix);
  }
  return new Map(configs.map((c) => [c.id, out.get(c.id)!]));
}

/** The prefixes in use among one owner's configurations (creation order), for checking a new one. */
export function takenPrefixes(configs: readonly PrefixInput[]): Set<string> {
  return new Set([...effectivePrefixes(configs).values()].filter((p) => p !== ''));
}

/**
 * `<prefix>_<tool>` within 64 characters of [A-Za-z0-9_-]. Characters outside the set are replaced;
 * when that or truncation changes the name, a hash of the exact original keeps it distinct.
 */
export function toolName(prefix: string, upstreamTool: string): string {
  const cleaned = upstreamTool.replace(/[^A-Za-z0-9_-]/g, '_');
  // An empty prefix (chosen, never assigned) exposes the upstream's own name.
  const plain = prefix === '' ? cleaned : `${prefix}_${cleaned}`;
  const altered = cleaned !== upstreamTool;
  if (!altered && plain.length <= MAX_TOOL_NAME) return plain;
  const suffix = `_${shortHash(`${prefix}\u0000${upstreamTool}`, 8)}`;
  const room = MAX_TOOL_NAME - suffix.length;
  return (plain.length <= room ? plain : plain.slice(0, room)) + suffix;
}
