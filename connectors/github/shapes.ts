import { z } from 'zod';

/**
 * The fields of GitHub's objects that tools return. Upstream schemas (Gh*) accept what GitHub
 * documents and drop the rest; output schemas are the trimmed, flat shapes tools return.
 */
const nullableString = z.string().nullable().optional().transform((v) => v ?? null);
const GhUserRef = z.object({ login: z.string() });

export const GhRepository = z.object({
  full_name: z.string(),
  description: nullableString,
  html_url: z.string(),
  private: z.boolean(),
  default_branch: z.string().optional(),
  stargazers_count: z.number().optional(),
  language: nullableString,
  updated_at: nullableString,
});
export const RepositoryOut = z.object({
  full_name: z.string(),
  description: z.string().nullable(),
  html_url: z.string(),
  private: z.boolean(),
  default_branch: z.string().nullable(),
  stars: z.number().nullable(),
  language: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export function toRepository(r: z.infer<typeof GhRepository>): z.infer<typeof RepositoryOut> {
  return {
    full_name: r.full_name,
    description: r.description,
    html_url: r.html_url,
    private: r.private,
    default_branch: r.default_branch ?? null,
    stars: r.stargazers_count ?? null,
    language: r.language,
    updated_at: r.updated_at,
  };
}

const GhLabel = z.union([z.string(), z.object({ name: z.string().nullable().optional() })]);

export const GhIssue = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  state_reason: nullableString,
  html_url: z.string(),
  repository_url: z.string().optional(),
  user: GhUserRef.nullable().optional(),
  labels: z.array(GhLabel).default([]),
  assignees: z.array(GhUserRef).nullable().optional(),
  comments: z.number().int().default(0),
  body: nullableString,
  pull_request: z.object({}).optional(),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: nullableString,
});
export const IssueOut = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  state_reason: z.string().nullable(),
  html_url: z.string(),
  repository: z.string().nullable(),
  user: z.string().nullable(),
  labels: z.array(z.string()),
  assignees: z.array(z.string()),
  comments: z.number().int(),
  is_pull_request: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
  body: z.string().nullable().optional(),
});
export type Issue = z.infer<typeof IssueOut>;

/** `https://api.github.com/repos/acme/backend` → `acme/backend`. */
function repoFromUrl(url: string | undefined): string | null {
  const m = url ? /\/repos\/([^/]+\/[^/]+)$/.exec(url) : null;
  return m?.[1] ?? null;
}

export function toIssue(i: z.infer<typeof GhIssue>, withBody: boolean): Issue {
  return {
    number: i.number,
    title: i.title,
    state: i.state,
    state_reason: i.state_reason,
    html_url: i.html_url,
    repository: repoFromUrl(i.repository_url),
    user: i.user?.login ?? null,
    labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
    assignees: (i.assignees ?? []).map((a) => a.login),
    comments: i.comments,
    is_pull_request: i.pull_request !== undefined,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    ...(withBody ? { body: i.body } : {}),
  };
}

const GhBranchRef = z.object({ ref: z.string(), sha: z.string() });
export const GhPull = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  draft: z.boolean().optional(),
  merged: z.boolean().optional(),
  mergeable: z.boolean().nullable().optional(),
  html_url: z.string(),
  user: GhUserRef.nullable().optional(),
  head: GhBranchRef,
  base: GhBranchRef,
  body: nullableString,
  created_at: z.string(),
  updated_at: z.string(),
  merged_at: nullableString,
});
export const PullOut = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  draft: z.boolean(),
  merged: z.boolean().nullable(),
  mergeable: z.boolean().nullable(),
  html_url: z.string(),
  user: z.string().nullable(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string(), sha: z.string() }),
  created_at: z.string(),
  updated_at: z.string(),
  merged_at: z.string().nullable(),
  body: z.string().nullable().optional(),
});
export type Pull = z.infer<typeof PullOut>;

export function toPull(p: z.infer<typeof GhPull>, withBody: boolean): Pull {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    draft: p.draft ?? false,
    // The list endpoint omits merged/mergeable: null says "not reported", not "false".
    merged: p.merged ?? (p.merged_at ? true : null),
    mergeable: p.mergeable ?? null,
    html_url: p.html_url,
    user: p.user?.login ?? null,
    head: { ref: p.head.ref, sha: p.head.sha },
    base: { ref: p.base.ref, sha: p.base.sha },
    created_at: p.created_at,
    updated_at: p.updated_at,
    merged_at: p.merged_at,
    ...(withBody ? { body: p.body } : {}),
  };
}

export const GhCommit = z.object({
  sha: z.string(),
  html_url: z.string(),
  commit: z.object({
    message: z.string(),
    author: z.object({ name: z.string().optional(), email: z.string().optional(), date: z.string().optional() }).nullable(),
  }),
  // A simple-user, or an empty object (or null) when the commit's email maps to no GitHub account.
  author: z.object({ login: z.string().optional() }).nullable().optional(),
});
export const CommitOut = z.object({
  sha: z.string(),
  message: z.string(),
  author_name: z.string().nullable(),
  author_login: z.string().nullable(),
  date: z.string().nullable(),
  html_url: z.string(),
});
export function toCommit(c: z.infer<typeof GhCommit>): z.infer<typeof CommitOut> {
  return {
    sha: c.sha,
    message: c.commit.message,
    author_name: c.commit.author?.name ?? null,
    author_login: c.author?.login ?? null,
    date: c.commit.author?.date ?? null,
    html_url: c.html_url,
  };
}

/** Search endpoints: `{ total_count, incomplete_results, items }`. */
export function GhSearch<T extends z.ZodType>(item: T) {
  return z.object({ total_count: z.number().int(), incomplete_results: z.boolean(), items: z.array(item) });
}

/** "#12 Fix login (open)" lines, capped so a long page stays a readable summary. */
export function summarize<T>(items: readonly T[], line: (t: T) => string, max = 50): string {
  const shown = items.slice(0, max).map((t) => `- ${line(t)}`);
  if (items.length > max) shown.push(`… and ${items.length - max} more (see structured content)`);
  return shown.join('\n');
}
