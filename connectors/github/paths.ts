/**
 * Repository paths as the contents API takes them: relative, `/`-separated, no `.`/`..` segments.
 * Normalising before comparing is what makes the `paths` limit hold: `src/../secrets` must never
 * pass a `src/` prefix check.
 */
export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

export function normalizeRepoPath(raw: string): PathCheck {
  if (raw.includes('\0')) return { ok: false, reason: 'must not contain NUL characters' };
  // A lone surrogate cannot be percent-encoded (encodeURIComponent throws URIError).
  if (/\p{Cs}/u.test(raw)) return { ok: false, reason: 'must be well-formed unicode (no lone surrogates)' };
  if (raw.includes('\\')) return { ok: false, reason: 'must use / as separator, not \\' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { ok: false, reason: 'must be relative to the repository root (no leading /)' };
  const segments = raw.split('/').filter((s, i, all) => !(s === '' && (i === all.length - 1 || i === 0)));
  for (const s of segments) {
    if (s === '..') return { ok: false, reason: 'must not contain .. segments' };
    if (s === '.') return { ok: false, reason: 'must not contain . segments' };
    if (s === '') return { ok: false, reason: 'must not contain empty segments (//)' };
  }
  return { ok: true, path: segments.join('/') };
}

/** A configured prefix: `src/` and `src` both mean the directory src and everything below it. */
export function normalizePrefix(raw: string): string {
  const n = normalizeRepoPath(raw);
  return n.ok ? n.path : raw;
}

/** Whether `path` (normalised) lies under one of the prefixes. No prefixes: everything is in scope. */
export function inScope(path: string, prefixes: readonly string[] | undefined): boolean {
  if (!prefixes || prefixes.length === 0) return true;
  return prefixes.map(normalizePrefix).some((p) => p === '' || path === p || path.startsWith(`${p}/`));
}

/** A directory above an allowed prefix (the root above `src/`): it may be listed, filtered. */
export function isAncestorOfScope(path: string, prefixes: readonly string[] | undefined): boolean {
  if (!prefixes || prefixes.length === 0) return false;
  return prefixes.map(normalizePrefix).some((p) => path === '' || p.startsWith(`${path}/`));
}

/** URL path for the contents API: each segment encoded, the slashes kept. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
