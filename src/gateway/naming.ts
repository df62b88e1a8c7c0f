import { effectivePrefixes, shortHash, slugify } from '../domain/tool-prefix.js';

export const MAX_TOOL_NAME = 64;
const VALID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidToolName(name: string): boolean {
  return VALID.test(name);
}

export { slugify };

export interface SlugInput {
  id: string;
  name: string;
  tool_prefix?: string | undefined;
}

/**
 * One prefix per configuration, unique within the principal (configurations in creation order):
 * the stored `tool_prefix` where there is one; for a configuration stored before prefixes were kept,
 * the rule that named it then (the first to claim a slug keeps it, a later namesake gets a suffix
 * derived from its id). See src/domain/tool-prefix.ts.
 */
export function assignSlugs(configs: readonly SlugInput[]): Map<string, string> {
  return effectivePrefixes(configs);
}

/**
 * `<slug>_<tool>` within 64 characters of [A-Za-z0-9_-]. Characters outside the set are replaced;
 * when that or truncation changes the name, a hash of the exact original keeps it distinct.
 */
export function toolName(slug: string, upstreamTool: string): string {
  const cleaned = upstreamTool.replace(/[^A-Za-z0-9_-]/g, '_');
  // An empty prefix (chosen, never assigned) exposes the upstream's own name.
  const plain = slug === '' ? cleaned : `${slug}_${cleaned}`;
  const altered = cleaned !== upstreamTool;
  if (!altered && plain.length <= MAX_TOOL_NAME) return plain;
  const suffix = `_${shortHash(`${slug}\u0000${upstreamTool}`, 8)}`;
  const room = MAX_TOOL_NAME - suffix.length;
  return (plain.length <= room ? plain : plain.slice(0, room)) + suffix;
}

/** Makes every name in order unique: a repeat gets a suffix derived from its key and position. */
export function dedupe(names: readonly { name: string; key: string }[]): string[] {
  const seen = new Set<string>();
  return names.map(({ name, key }, index) => {
    let candidate = name;
    for (let attempt = 0; seen.has(candidate); attempt++) {
      const suffix = `_${shortHash(`${key}\u0000${index}\u0000${attempt}`, 6)}`;
      candidate = name.slice(0, MAX_TOOL_NAME - suffix.length) + suffix;
    }
    seen.add(candidate);
    return candidate;
  });
}
