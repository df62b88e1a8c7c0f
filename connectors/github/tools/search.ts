import { z } from 'zod';
import { githubTool } from '../tool.js';
import { ToolInputError } from '../../kit/tool.js';
import { collectPages, pagingInput, pagingOutput } from '../paging.js';
import { scopeSearchQuery } from '../scope.js';
import { inScope, normalizeRepoPath } from '../paths.js';
import { GhIssue, GhRepository, GhSearch, IssueOut, RepositoryOut, summarize, toIssue, toRepository } from '../shapes.js';
import { parseUpstream } from '../upstream.js';
import type { GithubConfig } from '../config.js';
import type { HttpClient } from '../../../src/http/types.js';

const queryInput = z.string().min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters (GitHub\'s limit)' });
const searchOutput = { total_count: z.number().int(), incomplete_results: z.boolean(), query: z.string(), ...pagingOutput };
const scopeNote = 'When the configuration names a repository, the query is limited to it (repo:owner/repo is added; other repo:, org: or user: qualifiers are refused).';

async function search<T>(
  ctx: { http: HttpClient; signal: AbortSignal },
  endpoint: string,
  q: string,
  args: { per_page: number; page: number; max_pages: number },
  item: z.ZodType<T>,
  what: string,
) {
  const schema = GhSearch(item);
  const pages = await collectPages(
    ctx.http,
    { method: 'GET', path: endpoint, query: { q, per_page: args.per_page, page: args.page }, signal: ctx.signal },
    args.max_pages,
    (body) => parseUpstream(schema, body, what).items,
  );
  const first = parseUpstream(schema, pages.first, what);
  return { pages, total_count: first.total_count, incomplete_results: first.incomplete_results };
}

export const searchRepositories = githubTool({
  name: 'search_repositories',
  title: 'Search GitHub repositories',
  description:
    `Searches repositories with GitHub search syntax (GET /search/repositories), e.g. "language:go stars:>100 topic:cli". ${scopeNote} ` +
    'Returns total_count and, per repository, full_name, description, URL, visibility, default branch, stars, language and last update.',
  input: z.strictObject({ query: queryInput.describe('GitHub repository search query.'), ...pagingInput }),
  output: z.object({ ...searchOutput, items: z.array(RepositoryOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, ctx) {
    const q = scopeSearchQuery(args.query, ctx.config);
    const r = await search(ctx, '/search/repositories', q, args, GhRepository, 'repository search result');
    const items = r.pages.items.map(toRepository);
    return {
      text: `${r.total_count} repositories match "${q}"${items.length ? ':\n' : '.'}${summarize(items, (i) => `${i.full_name}${i.description ? ` — ${i.description}` : ''}`)}`,
      structured: { total_count: r.total_count, incomplete_results: r.incomplete_results, query: q, pages_fetched: r.pages.pages, next_page: r.pages.nextPage, items },
    };
  },
});

const GhCodeItem = z.object({
  name: z.string(),
  path: z.string(),
  sha: z.string(),
  html_url: z.string(),
  repository: z.object({ full_name: z.string() }),
});

/** With `paths` configured, code outside them is not shown, even as a search hit. */
function codeVisible(path: string, config: GithubConfig): boolean {
  const n = normalizeRepoPath(path);
  return n.ok && inScope(n.path, config.paths);
}

export const searchCode = githubTool({
  name: 'search_code',
  title: 'Search code on GitHub',
  description:
    `Searches file contents with GitHub code search (GET /search/code), e.g. "createClient language:ts path:src". ${scopeNote} ` +
    'With paths configured, hits outside those prefixes are left out (omitted_outside_paths counts them). ' +
    'Returns total_count and, per hit, repository, path, file name, blob sha and URL.',
  input: z.strictObject({ query: queryInput.describe('GitHub code search query.'), ...pagingInput }),
  output: z.object({
    ...searchOutput,
    omitted_outside_paths: z.number().int(),
    items: z.array(z.object({ repository: z.string(), path: z.string(), name: z.string(), sha: z.string(), html_url: z.string() })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, ctx) {
    const q = scopeSearchQuery(args.query, ctx.config);
    const r = await search(ctx, '/search/code', q, args, GhCodeItem, 'code search result');
    const all = r.pages.items.map((i) => ({ repository: i.repository.full_name, path: i.path, name: i.name, sha: i.sha, html_url: i.html_url }));
    const items = all.filter((i) => codeVisible(i.path, ctx.config));
    const omitted = all.length - items.length;
    return {
      text:
        `${r.total_count} code results for "${q}"${items.length ? ':\n' : '.'}${summarize(items, (i) => `${i.repository}: ${i.path}`)}` +
        (omitted ? `\n(${omitted} results outside the configured paths omitted)` : ''),
      structured: {
        total_count: r.total_count,
        incomplete_results: r.incomplete_results,
        query: q,
        pages_fetched: r.pages.pages,
        next_page: r.pages.nextPage,
        omitted_outside_paths: omitted,
        items,
      },
    };
  },
});

const IS_KIND = /(?:^|\s)(is|type):(issue|pr|pull-request)(?=\s|$)/gi;

/**
 * GitHub refuses an issue search that mixes issues and pull requests for GitHub App user tokens
 * (422 unless the query has `is:issue` or `is:pull-request`), so the query always says which:
 * the one it already names (is:/type: issue, pr or pull-request), else `type`, else issues.
 */
export function issueSearchQuery(query: string, type: 'issue' | 'pull_request' | undefined): string {
  const named = new Set([...query.matchAll(IS_KIND)].map((m) => ((m[2] ?? '').toLowerCase() === 'issue' ? 'issue' : 'pull_request')));
  if (named.size > 1) throw new ToolInputError('query: asks for both issues and pull requests; GitHub searches one kind at a time (is:issue or is:pull-request)');
  const inQuery = [...named][0] as 'issue' | 'pull_request' | undefined;
  if (inQuery && type && inQuery !== type) throw new ToolInputError(`type: ${type} contradicts the query, which asks for ${inQuery === 'issue' ? 'issues' : 'pull requests'}`);
  const kind = inQuery ?? type ?? 'issue';
  const qualifier = kind === 'issue' ? 'is:issue' : 'is:pull-request';
  return new RegExp(`(?:^|\\s)${qualifier}(?:\\s|$)`, 'i').test(query) ? query : `${query} ${qualifier}`;
}

export const searchIssues = githubTool({
  name: 'search_issues',
  title: 'Search GitHub issues and pull requests',
  description:
    `Searches issues or pull requests (GET /search/issues), e.g. "is:open label:bug author:octocat". ${scopeNote} ` +
    'GitHub searches one kind at a time for some tokens, so the query always names it: is:issue is added unless the query already says ' +
    'is:issue, is:pr or is:pull-request, or type is pull_request (then is:pull-request is added). ' +
    'Returns total_count and, per result, number, title, state, repository, author, labels, assignees, comment count, dates, URL and whether it is a pull request.',
  input: z.strictObject({
    query: queryInput.describe('GitHub issue search query.'),
    type: z.enum(['issue', 'pull_request']).optional().describe('Search issues (default) or pull requests, when the query does not say.'),
    ...pagingInput,
  }),
  output: z.object({ ...searchOutput, items: z.array(IssueOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, ctx) {
    const q = issueSearchQuery(scopeSearchQuery(args.query, ctx.config), args.type);
    const r = await search(ctx, '/search/issues', q, args, GhIssue, 'issue search result');
    const items = r.pages.items.map((i) => toIssue(i, false));
    return {
      text: `${r.total_count} ${q.includes('is:pull-request') ? 'pull requests' : 'issues'} match "${q}"${items.length ? ':\n' : '.'}${summarize(items, (i) => `${i.repository ?? ''}#${i.number} ${i.title} (${i.state})`)}`,
      structured: { total_count: r.total_count, incomplete_results: r.incomplete_results, query: q, pages_fetched: r.pages.pages, next_page: r.pages.nextPage, items },
    };
  },
});
