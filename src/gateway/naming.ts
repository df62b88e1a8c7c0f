import { createHash } from 'node:crypto';

export const MAX_TOOL_NAME = 64;
const VALID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidToolName(name: string): boolean {
  return VALID.test(name);
}

function shortHash(input: string, length: number): string {
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

export interface SlugInput {
  id: string;
  name: string;
}

/**
 * One slug per configuration, unique within the principal. Configurations come in creation order;
 * the first to claim a slug keeps it, later ones with the same name get a suffix derived from
 * their id. So names are stable across restarts and never change when a newer namesake appears.
 */
export function assignSlugs(configs: readonly SlugInput[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const c of configs) {
    let slug = slugify(c.name);
    if (taken.has(slug)) slug = `${slug}_${shortHash(c.id, 6)}`;
    // A hash collision on top of a name collision: extend until free (deterministic).
    for (let n = 8; taken.has(slug) && n <= 64; n += 2) slug = `${slugify(c.name)}_${shortHash(c.id, n)}`;
    taken.add(slug);
    out.set(c.id, slug);
  }
  return out;
}

/**
 * `<slug>_<tool>` within 64 characters of [A-Za-z0-9_-]. Characters outside the set are replaced;
 * when that or truncation changes the name, a hash of the exact original keeps it distinct.
 */
export function toolName(slug: string, upstreamTool: string): string {
  const cleaned = upstreamTool.replace(/[^A-Za-z0-9_-]/g, '_');
  const plain = `${slug}_${cleaned}`;
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
