/**
 * The GitHub fake's representations: objects as GitHub's published REST description
 * (github/rest-api-description) requires them, required fields included (`simple-user`,
 * `private-user`, `repository`, `issue`, `milestone`, `pull-request`, `commit`, the contents
 * schemas, `rate-limit-overview`), so a connector that reads a field GitHub may leave empty or null
 * meets that here first.
 */
import { createHash } from 'node:crypto';
import type { FakeCommit, FakeFile, FakeIssue, FakePull, FakeRepo } from './github.js';

/** GitHub's contents API limits: JSON media type up to 1 MB, the raw media type up to 100 MB. */
export const CONTENTS_JSON_LIMIT = 1024 * 1024;
export const CONTENTS_RAW_LIMIT = 100 * 1024 * 1024;

/** `{ events_url: base/events, … }` for each name: the hypermedia URLs GitHub's schemas require. */
export function urls(prefix: string, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [`${n}_url`, `${prefix}/${n}`]));
}

const USER_URLS = ['avatar', 'events', 'followers', 'following', 'gists', 'organizations', 'received_events', 'repos', 'starred', 'subscriptions'];
const REPO_URLS = [
  'archive', 'assignees', 'blobs', 'branches', 'collaborators', 'comments', 'commits', 'compare', 'contents', 'contributors', 'deployments',
  'downloads', 'events', 'forks', 'git_commits', 'git_refs', 'git_tags', 'hooks', 'issue_comment', 'issue_events', 'issues', 'keys', 'labels',
  'languages', 'merges', 'milestones', 'notifications', 'pulls', 'releases', 'stargazers', 'statuses', 'subscribers', 'subscription', 'tags',
  'teams', 'trees',
];

/** GitHub's `simple-user`. */
export function userJson(login: string, base: string) {
  return {
    login,
    id: login.length * 1000 + 1,
    node_id: `U_${login}`,
    gravatar_id: '',
    type: 'User',
    site_admin: false,
    url: `${base}/users/${login}`,
    html_url: `https://github.com/${login}`,
    ...urls(`${base}/users/${login}`, USER_URLS),
    user_view_type: 'public',
  };
}

/** GitHub's `private-user`: what GET /user answers for the token's own account. */
export function privateUserJson(login: string, base: string) {
  return {
    ...userJson(login, base),
    user_view_type: 'private',
    name: 'The Octocat',
    company: null,
    blog: '',
    location: null,
    email: 'octocat@github.com',
    hireable: null,
    bio: null,
    public_repos: 8,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    private_gists: 0,
    total_private_repos: 1,
    owned_private_repos: 1,
    disk_usage: 100,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

/** GitHub's `rate-limit-overview`. */
export function rateLimitJson(state: { remaining: number; reset: number }) {
  const core = { limit: 5000, remaining: state.remaining, reset: state.reset, used: 5000 - state.remaining };
  const search = { limit: 30, remaining: 30, reset: state.reset, used: 0 };
  return { resources: { core, search, code_search: { limit: 10, remaining: 10, reset: state.reset, used: 0 }, graphql: { ...core } }, rate: core };
}

/** GitHub's `repository` (and the repository items of search and installation listings). */
export function repoJson(r: FakeRepo, base: string) {
  const full = `${r.owner}/${r.name}`;
  const api = `${base}/repos/${full}`;
  return {
    id: r.id,
    node_id: `R_${r.id}`,
    name: r.name,
    full_name: full,
    owner: userJson(r.owner, base),
    private: r.private,
    description: r.description,
    fork: false,
    url: api,
    html_url: `https://github.com/${full}`,
    ...urls(api, REPO_URLS),
    clone_url: `https://github.com/${full}.git`,
    git_url: `git://github.com/${full}.git`,
    ssh_url: `git@github.com:${full}.git`,
    svn_url: `https://github.com/${full}`,
    mirror_url: null,
    homepage: null,
    language: r.language,
    forks: 0,
    forks_count: 0,
    stargazers_count: r.stars,
    watchers: r.stars,
    watchers_count: r.stars,
    size: 100,
    default_branch: r.default_branch,
    open_issues: r.issues.filter((i) => i.state === 'open').length,
    open_issues_count: r.issues.filter((i) => i.state === 'open').length,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: r.private ? 'private' : 'public',
    license: null,
    pushed_at: '2025-01-01T00:00:00Z',
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    network_count: 0,
    subscribers_count: 0,
  };
}

/** GitHub's `milestone`. */
export function milestoneJson(r: FakeRepo, n: number, base: string) {
  const full = `${r.owner}/${r.name}`;
  return {
    url: `${base}/repos/${full}/milestones/${n}`,
    html_url: `https://github.com/${full}/milestone/${n}`,
    labels_url: `${base}/repos/${full}/milestones/${n}/labels`,
    id: n + 500,
    node_id: `MI_${n}`,
    number: n,
    state: 'open',
    title: `Milestone ${n}`,
    description: null,
    creator: userJson(r.owner, base),
    open_issues: 0,
    closed_issues: 0,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    closed_at: null,
    due_on: null,
  };
}

export function issueJson(r: FakeRepo, i: FakeIssue, base: string) {
  const full = `${r.owner}/${r.name}`;
  return {
    id: i.number + r.id * 10_000,
    node_id: `I_${i.number}`,
    url: `${base}/repos/${full}/issues/${i.number}`,
    repository_url: `${base}/repos/${full}`,
    html_url: `https://github.com/${full}/issues/${i.number}`,
    ...urls(`${base}/repos/${full}/issues/${i.number}`, ['comments', 'events']),
    labels_url: `${base}/repos/${full}/issues/${i.number}/labels{/name}`,
    author_association: 'OWNER',
    number: i.number,
    state: i.state,
    state_reason: i.state_reason,
    title: i.title,
    body: i.body,
    user: userJson(i.user, base),
    labels: i.labels.map((name, k) => ({ id: k + 1, name, color: 'f29513', default: false })),
    assignee: i.assignees[0] ? userJson(i.assignees[0], base) : null,
    assignees: i.assignees.map((a) => userJson(a, base)),
    milestone: i.milestone === null ? null : milestoneJson(r, i.milestone, base),
    locked: false,
    comments: i.comments,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
  };
}

export function headSha(r: FakeRepo, branch: string): string {
  return r.branches.get(branch) ?? '';
}

export function pullJson(r: FakeRepo, p: FakePull, base: string, full: boolean) {
  const name = `${r.owner}/${r.name}`;
  const side = (ref: string) => ({ label: `${r.owner}:${ref}`, ref, sha: headSha(r, ref), user: userJson(r.owner, base), repo: repoJson(r, base) });
  return {
    id: p.number + r.id * 10_000,
    node_id: `PR_${p.number}`,
    url: `${base}/repos/${name}/pulls/${p.number}`,
    html_url: `https://github.com/${name}/pull/${p.number}`,
    diff_url: `https://github.com/${name}/pull/${p.number}.diff`,
    patch_url: `https://github.com/${name}/pull/${p.number}.patch`,
    issue_url: `${base}/repos/${name}/issues/${p.number}`,
    commits_url: `${base}/repos/${name}/pulls/${p.number}/commits`,
    review_comments_url: `${base}/repos/${name}/pulls/${p.number}/comments`,
    review_comment_url: `${base}/repos/${name}/pulls/comments{/number}`,
    comments_url: `${base}/repos/${name}/issues/${p.number}/comments`,
    statuses_url: `${base}/repos/${name}/statuses/${headSha(r, p.head)}`,
    _links: {
      self: { href: `${base}/repos/${name}/pulls/${p.number}` },
      html: { href: `https://github.com/${name}/pull/${p.number}` },
      issue: { href: `${base}/repos/${name}/issues/${p.number}` },
      comments: { href: `${base}/repos/${name}/issues/${p.number}/comments` },
      review_comments: { href: `${base}/repos/${name}/pulls/${p.number}/comments` },
      review_comment: { href: `${base}/repos/${name}/pulls/comments{/number}` },
      commits: { href: `${base}/repos/${name}/pulls/${p.number}/commits` },
      statuses: { href: `${base}/repos/${name}/statuses/${headSha(r, p.head)}` },
    },
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(p.user, base),
    body: p.body,
    labels: [],
    milestone: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    active_lock_reason: null,
    draft: p.draft,
    head: side(p.head),
    base: side(p.base),
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.state === 'closed' ? p.updated_at : null,
    merged_at: p.merged_at,
    merge_commit_sha: p.merge_commit_sha,
    // Only the single-PR endpoint reports these, as on GitHub.
    ...(full
      ? {
          merged: p.merged,
          merged_by: p.merged ? userJson(r.owner, base) : null,
          mergeable: p.state === 'open' ? true : null,
          rebaseable: p.state === 'open' ? true : null,
          mergeable_state: 'clean',
          maintainer_can_modify: false,
          comments: 0,
          review_comments: 0,
          commits: 1,
          additions: 1,
          deletions: 1,
          changed_files: 1,
        }
      : {}),
  };
}

/** A pull request seen through the issues API (GitHub lists both there). */
export function pullAsIssue(r: FakeRepo, p: FakePull, base: string) {
  const name = `${r.owner}/${r.name}`;
  const asIssue: FakeIssue = {
    number: p.number,
    title: p.title,
    body: p.body,
    state: p.state,
    state_reason: null,
    labels: [],
    assignees: [],
    user: p.user,
    comments: 0,
    milestone: null,
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.state === 'closed' ? p.updated_at : null,
  };
  return {
    ...issueJson(r, asIssue, base),
    html_url: `https://github.com/${name}/pull/${p.number}`,
    pull_request: {
      url: `${base}/repos/${name}/pulls/${p.number}`,
      html_url: `https://github.com/${name}/pull/${p.number}`,
      diff_url: `https://github.com/${name}/pull/${p.number}.diff`,
      patch_url: `https://github.com/${name}/pull/${p.number}.patch`,
      merged_at: p.merged_at,
    },
  };
}

export function commitJson(r: FakeRepo, c: FakeCommit, base: string) {
  const name = `${r.owner}/${r.name}`;
  const who = { name: c.author.name, email: c.author.email, date: c.author.date };
  const treeSha = createHash('sha1').update(`tree ${c.sha}`).digest('hex');
  return {
    sha: c.sha,
    node_id: `C_${c.sha}`,
    commit: {
      author: who,
      committer: who,
      message: c.message,
      tree: { sha: treeSha, url: `${base}/repos/${name}/git/trees/${treeSha}` },
      url: `${base}/repos/${name}/git/commits/${c.sha}`,
      comment_count: 0,
    },
    url: `${base}/repos/${name}/commits/${c.sha}`,
    comments_url: `${base}/repos/${name}/commits/${c.sha}/comments`,
    html_url: `https://github.com/${name}/commit/${c.sha}`,
    // No account for the email: GitHub's schema allows an empty object (or null) here.
    author: c.author.login === null ? {} : userJson(c.author.login, base),
    committer: c.author.login === null ? {} : userJson(c.author.login, base),
    parents: c.parents.map((p) => ({ sha: p, url: `${base}/repos/${name}/commits/${p}` })),
  };
}

export function sizeOf(f: FakeFile): number {
  return f.size ?? f.content.length;
}

/** The fields every contents-API object carries (`_links` included, as the schemas require). */
export function contentMeta(r: FakeRepo, path: string, type: string, sha: string, size: number, ref: string, base: string) {
  const name = `${r.owner}/${r.name}`;
  const self = `${base}/repos/${name}/contents/${path}?ref=${ref}`;
  const git = `${base}/repos/${name}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`;
  const html = `https://github.com/${name}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`;
  return {
    type,
    size,
    name: path.split('/').pop() ?? path,
    path,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === 'dir' ? null : `https://raw.githubusercontent.com/${name}/${ref}/${path}`,
    _links: { self, git, html },
  };
}

/**
 * A file as the contents API describes it. With content (a single-file answer): base64 up to
 * 1 MB, and above that `encoding: "none"` with an empty `content`, as GitHub documents.
 */
export function contentJson(r: FakeRepo, path: string, f: FakeFile, ref: string, base: string, withContent: boolean) {
  const meta = contentMeta(r, path, 'file', f.sha, sizeOf(f), ref, base);
  if (!withContent) return meta;
  if (sizeOf(f) > CONTENTS_JSON_LIMIT) return { ...meta, encoding: 'none', content: '' };
  const b64 = f.content.toString('base64');
  return { ...meta, encoding: 'base64', content: (b64.match(/.{1,60}/g) ?? ['']).join('\n') + '\n' };
}

