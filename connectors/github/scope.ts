import { z } from 'zod';
import { ToolInputError } from '../kit/tool.js';
import type { GithubConfig } from './config.js';
import { OWNER_RE, REPO_NAME_RE } from './config.js';
import { inScope, isAncestorOfScope, normalizePrefix, normalizeRepoPath } from './paths.js';

/** Input fields of every repository tool: optional when the configuration names a repository. */
export const repoInput = {
  owner: z.string().regex(OWNER_RE, { error: 'must be a GitHub user or organization name' }).optional()
    .describe('Repository owner. Defaults to the owner of the configured repository.'),
  repo: z.string().regex(REPO_NAME_RE, { error: 'must be a repository name' }).optional()
    .describe('Repository name. Defaults to the configured repository.'),
};

export interface RepoRef {
  owner: string;
  repo: string;
  /** `owner/repo`, the form used in messages and search qualifiers. */
  full: string;
  /** `/repos/owner/repo`, the prefix of every repository endpoint. */
  base: string;
}

function ref(owner: string, repo: string): RepoRef {
  return { owner, repo, full: `${owner}/${repo}`, base: `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}` };
}

/**
 * The repository a call targets. With `repository` configured, omitted owner/repo default to it
 * and any other repository is refused: the configuration is the user's consent boundary.
 */
export function resolveRepo(args: { owner?: string | undefined; repo?: string | undefined }, config: GithubConfig): RepoRef {
  const configured = config.repository;
  if (configured) {
    const [cOwner = '', cRepo = ''] = configured.split('/');
    const owner = args.owner ?? cOwner;
    const repo = args.repo ?? cRepo;
    // GitHub names are case-insensitive: Acme/Backend is the same repository.
    if (owner.toLowerCase() !== cOwner.toLowerCase() || repo.toLowerCase() !== cRepo.toLowerCase()) {
      throw new ToolInputError(`owner/repo: ${owner}/${repo} is refused: this configuration is limited to ${configured}`);
    }
    return ref(cOwner, cRepo);
  }
  if (!args.owner || !args.repo) {
    throw new ToolInputError('owner and repo are required: this configuration has no default repository');
  }
  return ref(args.owner, args.repo);
}

/** `ref`/`branch` arguments default to the configured branch; undefined lets GitHub use the default branch. */
export function defaultBranch(given: string | undefined, config: GithubConfig): string | undefined {
  return given ?? config.branch;
}

function allowedList(config: GithubConfig): string {
  return (config.paths ?? []).map((p) => `${normalizePrefix(p)}/`).join(', ');
}

/** A file path the tool may touch: normalised, and under `paths` when configured. */
export function requireFilePath(field: string, raw: string, config: GithubConfig): string {
  const n = normalizeRepoPath(raw);
  if (!n.ok) throw new ToolInputError(`${field}: ${n.reason}`);
  if (!inScope(n.path, config.paths)) {
    throw new ToolInputError(`${field}: ${n.path || '(repository root)'} is outside the paths this configuration allows (${allowedList(config)})`);
  }
  return n.path;
}

/**
 * A path to read: in scope, or a directory above the allowed prefixes (listed, but filtered).
 * Returns whether the listing must be filtered.
 */
export function requireReadablePath(field: string, raw: string, config: GithubConfig): { path: string; filterListing: boolean } {
  const n = normalizeRepoPath(raw);
  if (!n.ok) throw new ToolInputError(`${field}: ${n.reason}`);
  if (inScope(n.path, config.paths)) return { path: n.path, filterListing: false };
  if (isAncestorOfScope(n.path, config.paths)) return { path: n.path, filterListing: true };
  throw new ToolInputError(`${field}: ${n.path} is outside the paths this configuration allows (${allowedList(config)})`);
}

/** Entries of a filtered listing: in scope, or directories leading to the scope. */
export function visibleEntry(path: string, config: GithubConfig): boolean {
  return inScope(path, config.paths) || isAncestorOfScope(path, config.paths);
}

const SCOPE_QUALIFIER = /(?:^|\s)-?(repo|org|user|owner):("[^"]*"|\S+)/gi;

/**
 * Search queries are limited to the configured repository by appending `repo:owner/repo`.
 * GitHub ORs several repo: qualifiers together, so any other repo/org/user qualifier would widen
 * the search: those are refused rather than silently combined.
 */
export function scopeSearchQuery(query: string, config: GithubConfig): string {
  const configured = config.repository;
  if (!configured) return query;
  for (const m of query.matchAll(SCOPE_QUALIFIER)) {
    const kind = (m[1] ?? '').toLowerCase();
    const value = (m[2] ?? '').replace(/^"|"$/g, '');
    if (kind === 'repo' && value.toLowerCase() === configured.toLowerCase()) continue;
    throw new ToolInputError(`query: the qualifier ${kind}:${value} is refused: this configuration is limited to ${configured}`);
  }
  return new RegExp(`(?:^|\\s)repo:${configured.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`, 'i').test(query)
    ? query
    : `${query} repo:${configured}`;
}
