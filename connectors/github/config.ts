import { z } from 'zod';
import { commonConfigFields } from '../kit/connector.js';
import { normalizeRepoPath } from './paths.js';

/**
 * GitHub's own limits: owner 1-39 of [A-Za-z0-9-], repo name 1-100 of [A-Za-z0-9_.-] but never
 * `.` or `..`, which would turn /repos/{owner}/{repo}/… into a different endpoint.
 */
export const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
export const REPO_NAME_RE = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;
const REPOSITORY_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;

/** `git check-ref-format` rules, the subset that matters for branch names typed by people and models. */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 255) return 'must be 1-255 characters';
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name)) return 'must not contain spaces or any of ~ ^ : ? * [ \\';
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return 'must not contain .., @{ or //';
  if (name.startsWith('/') || name.endsWith('/') || name.startsWith('-') || name.endsWith('.') || name.endsWith('.lock')) {
    return 'must not start with / or -, nor end with /, . or .lock';
  }
  return undefined;
}

export const BranchNameSchema = z.string({ error: 'must be a string' }).superRefine((v, ctx) => {
  const problem = branchNameProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: `must be a valid branch name: ${problem}` });
});

const PathPrefixSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(1024)
  .superRefine((v, ctx) => {
    const n = normalizeRepoPath(v);
    if (!n.ok) ctx.addIssue({ code: 'custom', message: n.reason });
  });

export const GithubConfigSchema = z.strictObject({
  ...commonConfigFields,
  repository: z.string({ error: 'must be a string' }).regex(REPOSITORY_RE, { error: 'must be owner/repo, e.g. acme/backend' }).optional()
    .describe('owner/repo: the default repository, and the only one tools may touch.'),
  branch: BranchNameSchema.optional().describe('Default branch for reads, writes, new branches and pull request bases.'),
  paths: z.array(PathPrefixSchema, { error: 'must be a list of path prefixes' }).min(1, { error: 'must list at least one prefix (omit it for the whole repository)' }).max(100).optional()
    .describe('Path prefixes (e.g. ["src/", "docs/"]) that file tools may read and write; the whole repository when omitted.'),
});
export type GithubConfig = z.infer<typeof GithubConfigSchema>;
