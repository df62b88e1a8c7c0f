import { inScope, normalizeRepoPath } from './paths.js';

export interface FilteredDiff {
  diff: string;
  files: string[];
  omitted: string[];
}

/**
 * Splits a unified git diff into per-file sections (`diff --git a/… b/…`) and keeps those under
 * the configured paths. A rename counts as in scope only if both sides are, so content cannot
 * leave the scope under a new name.
 */
export function filterDiff(diff: string, prefixes: readonly string[] | undefined): FilteredDiff {
  const sections = diff.split(/^(?=diff --git )/m);
  const kept: string[] = [];
  const files: string[] = [];
  const omitted: string[] = [];
  for (const section of sections) {
    const m = /^diff --git a\/(.+?) b\/(.+)$/m.exec(section);
    if (!m) {
      if (section.trim() !== '') kept.push(section);
      continue;
    }
    const a = m[1] ?? '';
    const b = m[2] ?? '';
    const visible = [a, b].every((p) => {
      const n = normalizeRepoPath(p);
      return n.ok && inScope(n.path, prefixes);
    });
    if (visible) {
      kept.push(section);
      files.push(b);
    } else {
      omitted.push(b);
    }
  }
  return { diff: kept.join(''), files, omitted };
}
