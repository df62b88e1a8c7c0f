import { effectivePrefixes, MAX_TOOL_NAME, shortHash, slugify, toolName } from '../domain/tool-prefix.js';

export { MAX_TOOL_NAME, toolName };
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
 * Makes every name in order unique: a repeat gets a suffix derived from its key and position.
 * `reserved` names are taken from the start (the gateway's own tools).
 */
export function dedupe(names: readonly { name: string; key: string }[], reserved: Iterable<string> = []): string[] {
  const seen = new Set<string>(reserved);
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
