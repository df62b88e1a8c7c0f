/**
 * A loopback GitHub REST v3 (api.github.com) that speaks the documented shapes: Bearer/token auth
 * with GitHub's 401 body, the contents API (base64 + blob sha, sha-guarded updates), git refs,
 * branches, commits, issues (pull requests included, as GitHub lists them), comments, pulls with
 * the diff media type, merges, the three search endpoints, `Link` pagination and rate-limit
 * headers. Faults (429, 403 rate limit, 5xx, revoked token) are injected per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { CONTENTS_RAW_LIMIT, commitJson, contentJson, contentMeta, headSha, issueJson, privateUserJson, pullAsIssue, pullJson, rateLimitJson, repoJson, sizeOf, userJson } from './github-shapes.js';

const DOCS = 'https://docs.github.com/rest';
export const FAKE_GITHUB_TOKEN = 'ghp_fakeTokenForTests0000000000000000000';
export const SUPPORTED_API_VERSIONS = ['2022-11-28'];

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** performance.now() when the request arrived: lets a test check that a Retry-After was honoured. */
  at: number;
}

export type GithubFault =
  | { kind: 'rate_limit_429'; retryAfterSeconds: number }
  | { kind: 'rate_limit_403'; resetInSeconds: number }
  /** A secondary limit: quota left, the hourly reset header as always, and no Retry-After. */
  | { kind: 'secondary_rate_limit'; status: 403 | 429 }
  | { kind: 'server_error'; status: 500 | 502 | 503 }
  | { kind: 'bad_credentials' }
  /** A fine-grained token without the permission this request needs: the token itself is valid. */
  | { kind: 'resource_not_accessible' };

export interface FakeFile {
  content: Buffer;
  sha: string;
  /** The size GitHub reports, when a test stands in for a blob too large to hold (over 100 MB). */
  size?: number;
  /** A symlink: the path it points to (GitHub serves the target instead when it is a file). */
  symlink?: string;
  /** A submodule: the repository URL it points to. */
  submodule?: string;
}

export { CONTENTS_JSON_LIMIT, CONTENTS_RAW_LIMIT } from './github-shapes.js';
export interface FakeCommit {
  sha: string;
  message: string;
  /** login null: the commit's email belongs to no GitHub account. */
  author: { name: string; email: string; date: string; login: string | null };
  parents: string[];
  tree: Map<string, FakeFile>;
  changed: string[];
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  assignees: string[];
  user: string;
  comments: number;
  milestone: number | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}
export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  head: string;
  base: string;
  user: string;
  merged: boolean;
  merged_at: string | null;
  merge_commit_sha: string | null;
  created_at: string;
  updated_at: string;
}
export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  created_at: string;
}
export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  language: string | null;
  stars: number;
  default_branch: string;
  protectedBranches: Set<string>;
  branches: Map<string, string>;
  commits: Map<string, FakeCommit>;
  issues: FakeIssue[];
  pulls: FakePull[];
  comments: FakeComment[];
  nextNumber: number;
}
export interface FakeGithubState {
  login: string;
  /** Owners whose repositories the GitHub App installation (tokens `ghs_…`) can reach. */
  installationOwners: Set<string>;
  collaborators: Set<string>;
  repos: Map<string, FakeRepo>;
  repo(fullName: string): FakeRepo;
  now(): string;
}

export interface FakeGithub {
  url: string;
  token: string;
  requests: RecordedRequest[];
  state: FakeGithubState;
  /** The next `times` requests (any route) answer with this fault. */
  inject(fault: GithubFault, times?: number): void;
  /** From now on the token is refused with 401 Bad credentials. */
  revokeToken(token?: string): void;
  /** Requests whose path starts with this prefix, e.g. '/repos/acme/backend/issues'. */
  requestsTo(prefix: string, method?: string): RecordedRequest[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Data

export function blobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function newSha(): string {
  return randomBytes(20).toString('hex');
}

function file(text: string | Buffer): FakeFile {
  const content = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return { content, sha: blobSha(content) };
}

function createState(login: string): FakeGithubState {
  let minutes = 0;
  const now = () => new Date(Date.UTC(2025, 0, 1, 0, minutes++)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const repos = new Map<string, FakeRepo>();
  const state: FakeGithubState = {
    login,
    installationOwners: new Set(['acme']),
    collaborators: new Set([login, 'hubot', 'monalisa']),
    repos,
    now,
    repo(fullName) {
      const r = repos.get(fullName.toLowerCase());
      if (!r) throw new Error(`fake has no repository ${fullName}`);
      return r;
    },
  };

  const repo = (owner: string, name: string, extra: Partial<FakeRepo>): FakeRepo => {
    const r: FakeRepo = {
      id: repos.size + 1000,
      owner,
      name,
      description: null,
      private: false,
      language: 'TypeScript',
      stars: 0,
      default_branch: 'main',
      protectedBranches: new Set(['main']),
      branches: new Map(),
      commits: new Map(),
      issues: [],
      pulls: [],
      comments: [],
      nextNumber: 1,
      ...extra,
    };
    repos.set(`${owner}/${name}`.toLowerCase(), r);
    return r;
  };
  const commit = (r: FakeRepo, parent: string | undefined, message: string, changes: Record<string, string | Buffer>): string => {
    const tree = new Map(parent ? r.commits.get(parent)?.tree : undefined);
    for (const [p, c] of Object.entries(changes)) tree.set(p, file(c));
    const sha = newSha();
    r.commits.set(sha, {
      sha,
      message,
      author: { name: 'The Octocat', email: 'octocat@github.com', date: now(), login },
      parents: parent ? [parent] : [],
      tree,
      changed: Object.keys(changes),
    });
    return sha;
  };

  const backend = repo('acme', 'backend', { description: 'Backend services for Acme', private: true, stars: 42 });
  const c1 = commit(backend, undefined, 'Initial commit', {
    'README.md': '# backend\n',
    'src/index.ts': "export const hello = 'world';\n",
    'src/util/math.ts': 'export const add = (a: number, b: number) => a + b;\n',
    'docs/guide.md': '# Guide\n\nStart here.\n',
    'secrets/prod.env': 'DATABASE_PASSWORD=hunter2\n',
  });
  const c2 = commit(backend, c1, 'Add logo', { 'docs/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe]) });
  const byBot = backend.commits.get(c2);
  if (byBot) byBot.author = { ...byBot.author, name: 'Build Bot', email: 'bot@ci.example', login: null };
  const c3 = commit(backend, c2, 'Explain setup\n\nLonger body.', { 'docs/guide.md': '# Guide\n\nStart here.\nThen run npm test.\n' });
  backend.branches.set('main', c3);
  const f1 = commit(backend, c3, 'Login screen', {
    'src/index.ts': "export const hello = 'login';\n",
    'secrets/prod.env': 'DATABASE_PASSWORD=changed\n',
  });
  backend.branches.set('feature/login', f1);
  backend.branches.set('release', c2);

  const labelsFor = ['bug', 'enhancement', 'bug', 'docs', 'bug', 'question', 'bug'];
  for (const [i, label] of labelsFor.entries()) {
    const at = now();
    backend.issues.push({
      number: backend.nextNumber++,
      title: `Issue number ${i + 1}`,
      body: `Body of issue ${i + 1}`,
      state: i === 3 ? 'closed' : 'open',
      state_reason: i === 3 ? 'completed' : null,
      labels: [label],
      assignees: i === 0 ? ['hubot'] : [],
      user: i % 2 ? 'monalisa' : login,
      comments: 0,
      milestone: null,
      created_at: at,
      updated_at: at,
      closed_at: i === 3 ? at : null,
    });
  }
  const prAt = now();
  backend.pulls.push({
    number: backend.nextNumber++,
    title: 'Add a login screen',
    body: 'Adds the login screen.',
    state: 'open',
    draft: false,
    head: 'feature/login',
    base: 'main',
    user: 'monalisa',
    merged: false,
    merged_at: null,
    merge_commit_sha: null,
    created_at: prAt,
    updated_at: prAt,
  });

  const frontend = repo('acme', 'frontend', { description: 'Web frontend for Acme', stars: 7 });
  frontend.branches.set('main', commit(frontend, undefined, 'Initial commit', { 'src/app.tsx': 'export const App = () => null;\n' }));
  const other = repo('octo-org', 'tools', { description: 'Assorted tools', language: 'Go', stars: 1200 });
  other.branches.set('main', commit(other, undefined, 'Initial commit', { 'src/main.go': 'package main\n' }));
  return state;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

function fail(status: number, message: string, extra: Record<string, unknown> = {}): never {
  throw new HttpFailure(status, { message, ...extra, documentation_url: DOCS, status: String(status) });
}
function notFound(): never {
  return fail(404, 'Not Found');
}
function validationFailed(errors: Record<string, unknown>[]): never {
  return fail(422, 'Validation Failed', { errors });
}
function missing(field: string): never {
  return fail(422, `Invalid request.\n\n"${field}" wasn't supplied.`);
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  base: string;
  body: unknown;
  record: RecordedRequest;
  /** The token the request authenticated with: its prefix says what kind it is (see tokenKind). */
  token: string;
}

/**
 * GitHub's token prefixes: `ghs_` a GitHub App installation token (acts as the app, has no user),
 * `ghu_` a GitHub App user access token; everything else acts as a user (`ghp_`, `github_pat_`, `gho_`).
 */
export function tokenKind(token: string): 'installation' | 'app_user' | 'user' {
  return token.startsWith('ghs_') ? 'installation' : token.startsWith('ghu_') ? 'app_user' : 'user';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function stringList(v: unknown, field: string, resource: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    fail(422, `Invalid request.\n\nFor 'properties/${field}', ${JSON.stringify(v)} is not an array of strings.`, { resource });
  }
  return v as string[];
}

/** Slices one page and writes GitHub's Link header (first/prev/next/last as they apply). */
function paginate<T>(ctx: Ctx, items: readonly T[]): T[] {
  const perPage = Math.min(100, Math.max(1, Number(ctx.url.searchParams.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(ctx.url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number) => {
    const u = new URL(ctx.url.pathname + ctx.url.search, ctx.base);
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${link(page - 1)}; rel="prev"`);
  if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) links.push(`${link(1)}; rel="first"`);
  if (links.length) ctx.res.setHeader('link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

// ---------------------------------------------------------------------------------------------
// Routes

function resolveRef(r: FakeRepo, ref: string | null): FakeCommit {
  const name = ref ?? r.default_branch;
  const sha = r.branches.get(name) ?? (r.commits.has(name) ? name : undefined);
  const c = sha ? r.commits.get(sha) : undefined;
  if (!c) fail(404, `No commit found for the ref ${name}`);
  return c;
}

function tooLarge(): never {
  return fail(403, 'This API returns blobs up to 100 MB in size. The requested blob is too large to fetch via the API, but you can always clone the repository via Git to obtain it.', {
    errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }],
  });
}

function getContents(ctx: Ctx, r: FakeRepo, path: string) {
  const ref = ctx.url.searchParams.get('ref');
  const c = resolveRef(r, ref);
  const refName = ref ?? r.default_branch;
  const raw = /application\/vnd\.github\.raw/.test(ctx.req.headers.accept ?? '');
  let f = c.tree.get(path);
  let at = path;
  // A symlink to a file in the repository is answered with that file (its own path and content).
  if (f?.symlink !== undefined && c.tree.get(f.symlink)?.symlink === undefined && c.tree.has(f.symlink)) {
    at = f.symlink;
    f = c.tree.get(at);
  }
  if (f) {
    if (f.submodule !== undefined) return { ...contentMeta(r, at, 'submodule', f.sha, 0, refName, ctx.base), download_url: null, submodule_git_url: f.submodule };
    if (f.symlink !== undefined) return { ...contentMeta(r, at, 'symlink', f.sha, f.symlink.length, refName, ctx.base), target: f.symlink };
    if (sizeOf(f) > CONTENTS_RAW_LIMIT) tooLarge();
    if (raw) return new RawBody(f.content, 'application/vnd.github.raw');
    return contentJson(r, at, f, refName, ctx.base, true);
  }
  const prefix = path === '' ? '' : `${path}/`;
  const children = new Map<string, { type: 'file' | 'dir'; file?: FakeFile }>();
  for (const [p, fileAt] of c.tree) {
    if (!p.startsWith(prefix)) continue;
    const rest = p.slice(prefix.length);
    const [head = '', ...more] = rest.split('/');
    children.set(head, more.length ? { type: 'dir' } : { type: 'file', file: fileAt });
  }
  if (children.size === 0) notFound();
  return [...children.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, e]) => {
      const full = prefix + name;
      const fa = e.file;
      if (!fa) return contentMeta(r, full, 'dir', createHash('sha1').update(`tree ${full}`).digest('hex'), 0, refName, ctx.base);
      // In a listing, submodules say "file" (GitHub's documented backwards-compatible quirk).
      if (fa.symlink !== undefined) return contentMeta(r, full, 'symlink', fa.sha, fa.symlink.length, refName, ctx.base);
      if (fa.submodule !== undefined) return { ...contentMeta(r, full, 'file', fa.sha, 0, refName, ctx.base), download_url: null };
      return contentJson(r, full, fa, refName, ctx.base, false);
    });
}

function putContents(ctx: Ctx, state: FakeGithubState, r: FakeRepo, path: string) {
  const b = obj(ctx.body);
  const message = str(b.message);
  const content = str(b.content);
  if (!message) missing('message');
  if (content === undefined) missing('content');
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(content)) fail(422, 'content is not valid Base64');
  const branch = str(b.branch) ?? r.default_branch;
  const head = r.branches.get(branch);
  if (!head) fail(404, `Branch ${branch} not found`);
  const parent = r.commits.get(head);
  if (!parent) notFound();
  const existing = parent.tree.get(path);
  const sha = str(b.sha);
  if (existing && !sha) missing('sha');
  if (existing && sha !== existing.sha) fail(409, `${path} does not match ${sha ?? ''}`);
  const tree = new Map(parent.tree);
  const written = file(Buffer.from(content, 'base64'));
  tree.set(path, written);
  const commitSha = newSha();
  r.commits.set(commitSha, {
    sha: commitSha,
    message,
    author: { name: 'The Octocat', email: 'octocat@github.com', date: state.now(), login: state.login },
    parents: [head],
    tree,
    changed: [path],
  });
  r.branches.set(branch, commitSha);
  ctx.res.statusCode = existing ? 200 : 201;
  const name = `${r.owner}/${r.name}`;
  return {
    content: contentJson(r, path, written, branch, ctx.base, false),
    commit: { sha: commitSha, node_id: `C_${commitSha}`, url: `${ctx.base}/repos/${name}/git/commits/${commitSha}`, html_url: `https://github.com/${name}/commit/${commitSha}`, message, parents: [{ sha: head }] },
  };
}

function listCommits(ctx: Ctx, r: FakeRepo) {
  const q = ctx.url.searchParams;
  let c: FakeCommit | undefined = resolveRef(r, q.get('sha'));
  const path = q.get('path');
  const author = q.get('author');
  const since = q.get('since');
  const until = q.get('until');
  const out: FakeCommit[] = [];
  while (c) {
    const touches = !path || c.changed.some((p) => p === path || p.startsWith(`${path}/`));
    const byAuthor = !author || c.author.login === author || c.author.email === author;
    const inRange = (!since || c.author.date >= since) && (!until || c.author.date <= until);
    if (touches && byAuthor && inRange) out.push(c);
    c = c.parents[0] ? r.commits.get(c.parents[0]) : undefined;
  }
  return paginate(ctx, out).map((x) => commitJson(r, x, ctx.base));
}

function listIssues(ctx: Ctx, r: FakeRepo) {
  const q = ctx.url.searchParams;
  const stateFilter = q.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(stateFilter)) validationFailed([{ resource: 'Issue', field: 'state', code: 'invalid' }]);
  const labels = (q.get('labels') ?? '').split(',').filter(Boolean);
  const assignee = q.get('assignee');
  const creator = q.get('creator');
  const direction = q.get('direction') ?? 'desc';
  const all = [
    ...r.issues.map((i) => ({ n: i.number, i, json: () => issueJson(r, i, ctx.base) })),
    ...r.pulls.map((p) => ({ n: p.number, i: { ...p, labels: [] as string[], assignees: [] as string[] }, json: () => pullAsIssue(r, p, ctx.base) })),
  ]
    .filter(({ i }) => stateFilter === 'all' || i.state === stateFilter)
    .filter(({ i }) => labels.every((l) => i.labels.includes(l)))
    .filter(({ i }) => !assignee || (assignee === 'none' ? i.assignees.length === 0 : assignee === '*' ? i.assignees.length > 0 : i.assignees.includes(assignee)))
    .filter(({ i }) => !creator || i.user === creator)
    .sort((a, b) => (direction === 'asc' ? a.n - b.n : b.n - a.n));
  return paginate(ctx, all).map((x) => x.json());
}

function findIssue(r: FakeRepo, n: number): FakeIssue {
  const i = r.issues.find((x) => x.number === n);
  if (!i) notFound();
  return i;
}

function checkAssignees(state: FakeGithubState, assignees: string[] | undefined) {
  const bad = (assignees ?? []).filter((a) => !state.collaborators.has(a));
  if (bad.length) validationFailed(bad.map((value) => ({ value, resource: 'Issue', field: 'assignees', code: 'invalid' })));
}

function createIssue(ctx: Ctx, state: FakeGithubState, r: FakeRepo) {
  const b = obj(ctx.body);
  const title = str(b.title);
  if (!title || title.trim() === '') validationFailed([{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
  const labels = stringList(b.labels, 'labels', 'Issue');
  const assignees = stringList(b.assignees, 'assignees', 'Issue');
  checkAssignees(state, assignees);
  const at = state.now();
  const issue: FakeIssue = {
    number: r.nextNumber++,
    title,
    body: str(b.body) ?? null,
    state: 'open',
    state_reason: null,
    labels: labels ?? [],
    assignees: assignees ?? [],
    user: state.login,
    comments: 0,
    milestone: typeof b.milestone === 'number' ? b.milestone : null,
    created_at: at,
    updated_at: at,
    closed_at: null,
  };
  r.issues.push(issue);
  ctx.res.statusCode = 201;
  return issueJson(r, issue, ctx.base);
}

function updateIssue(ctx: Ctx, state: FakeGithubState, r: FakeRepo, n: number) {
  const issue = findIssue(r, n);
  const b = obj(ctx.body);
  if (b.title !== undefined) {
    const t = str(b.title);
    if (!t) validationFailed([{ resource: 'Issue', code: 'invalid', field: 'title' }]);
    issue.title = t;
  }
  if (b.body !== undefined) issue.body = str(b.body) ?? null;
  if (b.state !== undefined) {
    if (b.state !== 'open' && b.state !== 'closed') validationFailed([{ resource: 'Issue', code: 'invalid', field: 'state' }]);
    issue.state = b.state;
    issue.closed_at = b.state === 'closed' ? state.now() : null;
    issue.state_reason = str(b.state_reason) ?? (b.state === 'closed' ? 'completed' : 'reopened');
  }
  const labels = stringList(b.labels, 'labels', 'Issue');
  if (labels) issue.labels = labels;
  const assignees = stringList(b.assignees, 'assignees', 'Issue');
  checkAssignees(state, assignees);
  if (assignees) issue.assignees = assignees;
  if (b.milestone !== undefined) issue.milestone = typeof b.milestone === 'number' ? b.milestone : null;
  issue.updated_at = state.now();
  return issueJson(r, issue, ctx.base);
}

function addComment(ctx: Ctx, state: FakeGithubState, r: FakeRepo, n: number) {
  const b = obj(ctx.body);
  const body = str(b.body);
  if (!body) validationFailed([{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
  const issue = r.issues.find((x) => x.number === n);
  if (!issue && !r.pulls.some((p) => p.number === n)) notFound();
  if (issue) issue.comments++;
  const c: FakeComment = { id: 9000 + r.comments.length + 1, issue: n, body, user: state.login, created_at: state.now() };
  r.comments.push(c);
  ctx.res.statusCode = 201;
  const name = `${r.owner}/${r.name}`;
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${ctx.base}/repos/${name}/issues/comments/${c.id}`,
    html_url: `https://github.com/${name}/issues/${n}#issuecomment-${c.id}`,
    body: c.body,
    user: userJson(c.user, ctx.base),
    created_at: c.created_at,
    updated_at: c.created_at,
    issue_url: `${ctx.base}/repos/${name}/issues/${n}`,
  };
}

function findPull(r: FakeRepo, n: number): FakePull {
  const p = r.pulls.find((x) => x.number === n);
  if (!p) notFound();
  return p;
}

/** A minimal unified diff of two trees: whole-file hunks, which is all a client needs to parse. */
export function treeDiff(from: Map<string, FakeFile>, to: Map<string, FakeFile>): string {
  const paths = [...new Set([...from.keys(), ...to.keys()])].sort();
  let out = '';
  for (const p of paths) {
    const a = from.get(p);
    const b = to.get(p);
    if (a?.sha === b?.sha) continue;
    const lines = (f: FakeFile | undefined) => (f ? f.content.toString('utf8').replace(/\n$/, '').split('\n') : []);
    const old = lines(a);
    const neu = lines(b);
    out += `diff --git a/${p} b/${p}\n`;
    if (!a) out += 'new file mode 100644\n';
    if (!b) out += 'deleted file mode 100644\n';
    out += `index ${(a?.sha ?? '0000000').slice(0, 7)}..${(b?.sha ?? '0000000').slice(0, 7)}${a && b ? ' 100644' : ''}\n`;
    out += `--- ${a ? `a/${p}` : '/dev/null'}\n+++ ${b ? `b/${p}` : '/dev/null'}\n`;
    out += `@@ -${old.length ? 1 : 0},${old.length} +${neu.length ? 1 : 0},${neu.length} @@\n`;
    out += old.map((l) => `-${l}\n`).join('') + neu.map((l) => `+${l}\n`).join('');
  }
  return out;
}

/** The nearest common ancestor: GitHub diffs a pull request against it, not against the base head. */
function mergeBase(r: FakeRepo, a: string, b: string): FakeCommit | undefined {
  const seen = new Set<string>();
  const walk = (start: string, visit: (sha: string) => boolean) => {
    const queue = [start];
    while (queue.length) {
      const sha = queue.shift() ?? '';
      if (visit(sha)) return sha;
      queue.push(...(r.commits.get(sha)?.parents ?? []));
    }
    return undefined;
  };
  walk(a, (sha) => {
    seen.add(sha);
    return false;
  });
  const found = walk(b, (sha) => seen.has(sha));
  return found ? r.commits.get(found) : undefined;
}

function pullDiff(r: FakeRepo, p: FakePull): string {
  const base = mergeBase(r, headSha(r, p.base), headSha(r, p.head));
  const head = r.commits.get(headSha(r, p.head));
  return base && head ? treeDiff(base.tree, head.tree) : '';
}

function listPulls(ctx: Ctx, r: FakeRepo) {
  const q = ctx.url.searchParams;
  const s = q.get('state') ?? 'open';
  const head = q.get('head');
  const base = q.get('base');
  const all = r.pulls
    .filter((p) => s === 'all' || p.state === s)
    .filter((p) => !head || `${r.owner}:${p.head}` === head)
    .filter((p) => !base || p.base === base)
    .sort((a, b) => (q.get('direction') === 'asc' ? a.number - b.number : b.number - a.number));
  return paginate(ctx, all).map((p) => pullJson(r, p, ctx.base, false));
}

function createPull(ctx: Ctx, state: FakeGithubState, r: FakeRepo) {
  const b = obj(ctx.body);
  const title = str(b.title);
  const head = str(b.head);
  const base = str(b.base);
  if (!head) missing('head');
  if (!base) missing('base');
  if (!title) validationFailed([{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
  const headBranch = head.includes(':') ? head.slice(head.indexOf(':') + 1) : head;
  const errors: Record<string, unknown>[] = [];
  if (!r.branches.has(headBranch)) errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  if (!r.branches.has(base)) errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  if (errors.length) validationFailed(errors);
  if (headSha(r, headBranch) === headSha(r, base)) validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headBranch}` }]);
  if (r.pulls.some((p) => p.state === 'open' && p.head === headBranch && p.base === base)) {
    validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${r.owner}:${headBranch}.` }]);
  }
  const at = state.now();
  const pull: FakePull = {
    number: r.nextNumber++,
    title,
    body: str(b.body) ?? null,
    state: 'open',
    draft: b.draft === true,
    head: headBranch,
    base,
    user: state.login,
    merged: false,
    merged_at: null,
    merge_commit_sha: null,
    created_at: at,
    updated_at: at,
  };
  r.pulls.push(pull);
  ctx.res.statusCode = 201;
  return pullJson(r, pull, ctx.base, true);
}

function mergePull(ctx: Ctx, state: FakeGithubState, r: FakeRepo, n: number) {
  const p = findPull(r, n);
  const b = obj(ctx.body);
  const method = b.merge_method ?? 'merge';
  if (method !== 'merge' && method !== 'squash' && method !== 'rebase') validationFailed([{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }]);
  if (p.state !== 'open' || p.draft) fail(405, 'Pull Request is not mergeable');
  const head = headSha(r, p.head);
  if (b.sha !== undefined && b.sha !== head) fail(409, 'Head branch was modified. Review and try the merge again.');
  const baseHead = r.commits.get(headSha(r, p.base));
  const headCommit = r.commits.get(head);
  if (!baseHead || !headCommit) notFound();
  const since = mergeBase(r, baseHead.sha, head) ?? baseHead;
  const tree = new Map(baseHead.tree);
  const changed: string[] = [];
  for (const [path, f] of headCommit.tree) {
    if (since.tree.get(path)?.sha !== f.sha) {
      tree.set(path, f);
      changed.push(path);
    }
  }
  const sha = newSha();
  const message = str(b.commit_title) ?? (method === 'squash' ? `${p.title} (#${p.number})` : `Merge pull request #${p.number} from ${r.owner}/${p.head}`);
  r.commits.set(sha, {
    sha,
    message,
    author: { name: 'The Octocat', email: 'octocat@github.com', date: state.now(), login: state.login },
    parents: method === 'merge' ? [baseHead.sha, head] : [baseHead.sha],
    tree,
    changed,
  });
  r.branches.set(p.base, sha);
  p.state = 'closed';
  p.merged = true;
  p.merged_at = state.now();
  p.merge_commit_sha = sha;
  p.updated_at = p.merged_at;
  return { sha, merged: true, message: 'Pull Request successfully merged' };
}

function createRef(ctx: Ctx, r: FakeRepo) {
  const b = obj(ctx.body);
  const ref = str(b.ref);
  const sha = str(b.sha);
  if (!ref) missing('ref');
  if (!sha) missing('sha');
  if (!ref.startsWith('refs/') || ref.split('/').length < 3) fail(422, "Reference name must start with 'refs/' and have at least two slashes.");
  if (!r.commits.has(sha)) fail(422, 'Object does not exist');
  const branch = ref.slice('refs/heads/'.length);
  if (r.branches.has(branch)) fail(422, 'Reference already exists');
  r.branches.set(branch, sha);
  ctx.res.statusCode = 201;
  return refJson(ctx, r, branch, sha);
}

function refJson(ctx: Ctx, r: FakeRepo, branch: string, sha: string) {
  const name = `${r.owner}/${r.name}`;
  return { ref: `refs/heads/${branch}`, node_id: `REF_${branch}`, url: `${ctx.base}/repos/${name}/git/refs/heads/${branch}`, object: { sha, type: 'commit', url: `${ctx.base}/repos/${name}/git/commits/${sha}` } };
}

// Search: free-text terms AND-ed, `repo:` qualifiers OR-ed, as on GitHub.
interface ParsedQuery {
  terms: string[];
  qualifiers: Map<string, string[]>;
}
function parseQuery(q: string): ParsedQuery {
  const terms: string[] = [];
  const qualifiers = new Map<string, string[]>();
  for (const m of q.matchAll(/(\S+?):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)) {
    if (m[1] !== undefined && m[2] !== undefined) {
      const k = m[1].toLowerCase();
      qualifiers.set(k, [...(qualifiers.get(k) ?? []), m[2].replace(/^"|"$/g, '')]);
    } else {
      terms.push((m[3] ?? m[4] ?? '').toLowerCase());
    }
  }
  return { terms: terms.filter(Boolean), qualifiers };
}

function searchResult<T>(ctx: Ctx, all: T[], toJson: (t: T) => Record<string, unknown>) {
  const searchType = ctx.url.pathname === '/search/issues' ? { search_type: 'lexical' } : {};
  return { total_count: all.length, incomplete_results: false, items: paginate(ctx, all).map((t) => ({ ...toJson(t), score: 1 })), ...searchType };
}

function reposFor(state: FakeGithubState, pq: ParsedQuery): FakeRepo[] {
  const names = (pq.qualifiers.get('repo') ?? []).map((x) => x.toLowerCase());
  const owners = [...(pq.qualifiers.get('org') ?? []), ...(pq.qualifiers.get('user') ?? [])].map((x) => x.toLowerCase());
  return [...state.repos.values()].filter(
    (r) => (names.length === 0 || names.includes(`${r.owner}/${r.name}`.toLowerCase())) && (owners.length === 0 || owners.includes(r.owner.toLowerCase())),
  );
}

function search(ctx: Ctx, state: FakeGithubState, kind: string, token: ReturnType<typeof tokenKind>) {
  const q = ctx.url.searchParams.get('q');
  if (!q) validationFailed([{ resource: 'Search', field: 'q', code: 'missing' }]);
  const pq = parseQuery(q);
  const is = pq.qualifiers.get('is') ?? [];
  // GitHub Apps with a user access token cannot mix issues and pull requests in one issue search.
  if (kind === 'issues' && token === 'app_user' && !is.includes('issue') && !is.includes('pull-request')) {
    validationFailed([{ resource: 'Search', field: 'q', code: 'invalid', message: "Query must include 'is:issue' or 'is:pull-request'" }]);
  }
  const matches = (text: string) => pq.terms.every((t) => text.toLowerCase().includes(t));
  const repos = reposFor(state, pq);
  if (kind === 'repositories') {
    const lang = pq.qualifiers.get('language')?.[0]?.toLowerCase();
    const hits = repos.filter((r) => matches(`${r.owner}/${r.name} ${r.description ?? ''}`) && (!lang || r.language?.toLowerCase() === lang));
    return searchResult(ctx, hits, (r) => repoJson(r, ctx.base));
  }
  if (kind === 'code') {
    const pathQ = pq.qualifiers.get('path')?.[0];
    const hits: { r: FakeRepo; path: string; f: FakeFile }[] = [];
    for (const r of repos) {
      const head = r.commits.get(headSha(r, r.default_branch));
      for (const [path, f] of head?.tree ?? []) {
        if ((!pathQ || path.startsWith(pathQ)) && matches(`${path}\n${f.content.toString('utf8')}`)) hits.push({ r, path, f });
      }
    }
    return searchResult(ctx, hits, ({ r, path, f }) => ({
      name: path.split('/').pop() ?? path,
      path,
      sha: f.sha,
      url: `${ctx.base}/repos/${r.owner}/${r.name}/contents/${path}`,
      git_url: `${ctx.base}/repos/${r.owner}/${r.name}/git/blobs/${f.sha}`,
      html_url: `https://github.com/${r.owner}/${r.name}/blob/${r.default_branch}/${path}`,
      repository: repoJson(r, ctx.base),
    }));
  }
  const stateQ = pq.qualifiers.get('state')?.[0] ?? (is.includes('open') ? 'open' : is.includes('closed') ? 'closed' : undefined);
  const label = pq.qualifiers.get('label') ?? [];
  const hits: { r: FakeRepo; json: Record<string, unknown>; n: number }[] = [];
  for (const r of repos) {
    const onlyPulls = is.includes('pr') || is.includes('pull-request');
    if (!onlyPulls) {
      for (const i of r.issues) {
        if (matches(`${i.title}\n${i.body ?? ''}`) && (!stateQ || i.state === stateQ) && label.every((l) => i.labels.includes(l))) {
          hits.push({ r, n: i.number, json: issueJson(r, i, ctx.base) });
        }
      }
    }
    if (!is.includes('issue') && label.length === 0) {
      for (const p of r.pulls) {
        if (matches(`${p.title}\n${p.body ?? ''}`) && (!stateQ || p.state === stateQ)) hits.push({ r, n: p.number, json: pullAsIssue(r, p, ctx.base) });
      }
    }
  }
  return searchResult(ctx, hits.sort((a, b) => b.n - a.n), (h) => h.json);
}

type Handler = (ctx: Ctx, m: RegExpExecArray) => unknown;

/** The token's hourly quota, as the rate-limit headers and GET /rate_limit report it. */
interface Quota {
  remaining: number;
  /** Epoch seconds. */
  reset: number;
}

function routes(state: FakeGithubState, quota: Quota): [string, RegExp, Handler][] {
  function repoOf(m: RegExpExecArray): FakeRepo {
    const r = state.repos.get(`${m[1] ?? ''}/${m[2] ?? ''}`.toLowerCase());
    if (!r) return notFound();
    return r;
  }
  const R = '/repos/([^/]+)/([^/]+)';
  return [
    [
      'GET',
      /^\/user$/,
      (ctx) => {
        // An installation token acts as the app, not a user: GitHub refuses it here.
        if (tokenKind(ctx.token) === 'installation') fail(403, 'Resource not accessible by integration', { documentation_url: `${DOCS}/users/users#get-the-authenticated-user` });
        return privateUserJson(state.login, ctx.base);
      },
    ],
    ['GET', /^\/rate_limit$/, () => rateLimitJson(quota)],
    [
      'GET',
      /^\/installation\/repositories$/,
      (ctx) => {
        if (tokenKind(ctx.token) !== 'installation') fail(403, 'You must authenticate with an installation access token in order to list repositories for an installation.');
        const all = [...state.repos.values()].filter((r) => state.installationOwners.has(r.owner.toLowerCase()));
        return { total_count: all.length, repository_selection: 'selected', repositories: paginate(ctx, all).map((r) => repoJson(r, ctx.base)) };
      },
    ],
    ['GET', /^\/search\/(repositories|code|issues)$/, (ctx, m) => search(ctx, state, m[1] ?? '', tokenKind(ctx.token))],
    ['GET', new RegExp(`^${R}$`), (ctx, m) => repoJson(repoOf(m), ctx.base)],
    ['GET', new RegExp(`^${R}/contents(?:/(.*))?$`), (ctx, m) => getContents(ctx, repoOf(m), decodeURIComponent(m[3] ?? '').replace(/\/$/, ''))],
    ['PUT', new RegExp(`^${R}/contents/(.+)$`), (ctx, m) => putContents(ctx, state, repoOf(m), decodeURIComponent(m[3] ?? ''))],
    [
      'GET',
      new RegExp(`^${R}/branches$`),
      (ctx, m) => {
        const r = repoOf(m);
        const prot = ctx.url.searchParams.get('protected');
        const all = [...r.branches.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .filter(([name]) => prot === null || (prot === 'true') === r.protectedBranches.has(name));
        return paginate(ctx, all).map(([name, sha]) => ({ name, commit: { sha, url: `${ctx.base}/repos/${r.owner}/${r.name}/commits/${sha}` }, protected: r.protectedBranches.has(name) }));
      },
    ],
    [
      'GET',
      new RegExp(`^${R}/git/ref/heads/(.+)$`),
      (ctx, m) => {
        const r = repoOf(m);
        const branch = decodeURIComponent(m[3] ?? '');
        const sha = r.branches.get(branch);
        if (!sha) notFound();
        return refJson(ctx, r, branch, sha);
      },
    ],
    ['POST', new RegExp(`^${R}/git/refs$`), (ctx, m) => createRef(ctx, repoOf(m))],
    ['GET', new RegExp(`^${R}/commits$`), (ctx, m) => listCommits(ctx, repoOf(m))],
    ['GET', new RegExp(`^${R}/issues$`), (ctx, m) => listIssues(ctx, repoOf(m))],
    ['POST', new RegExp(`^${R}/issues$`), (ctx, m) => createIssue(ctx, state, repoOf(m))],
    [
      'GET',
      new RegExp(`^${R}/issues/(\\d+)$`),
      (ctx, m) => {
        const r = repoOf(m);
        const n = Number(m[3]);
        const pull = r.pulls.find((p) => p.number === n);
        return pull ? pullAsIssue(r, pull, ctx.base) : issueJson(r, findIssue(r, n), ctx.base);
      },
    ],
    ['PATCH', new RegExp(`^${R}/issues/(\\d+)$`), (ctx, m) => updateIssue(ctx, state, repoOf(m), Number(m[3]))],
    ['POST', new RegExp(`^${R}/issues/(\\d+)/comments$`), (ctx, m) => addComment(ctx, state, repoOf(m), Number(m[3]))],
    ['GET', new RegExp(`^${R}/pulls$`), (ctx, m) => listPulls(ctx, repoOf(m))],
    ['POST', new RegExp(`^${R}/pulls$`), (ctx, m) => createPull(ctx, state, repoOf(m))],
    [
      'GET',
      new RegExp(`^${R}/pulls/(\\d+)$`),
      (ctx, m) => {
        const r = repoOf(m);
        const p = findPull(r, Number(m[3]));
        if ((ctx.req.headers.accept ?? '').includes('application/vnd.github.diff')) return new RawBody(pullDiff(r, p), 'application/vnd.github.diff; charset=utf-8');
        return pullJson(r, p, ctx.base, true);
      },
    ],
    ['PUT', new RegExp(`^${R}/pulls/(\\d+)/merge$`), (ctx, m) => mergePull(ctx, state, repoOf(m), Number(m[3]))],
  ];
}

class RawBody {
  constructor(
    readonly text: string | Buffer,
    readonly contentType: string,
  ) {}
}

// ---------------------------------------------------------------------------------------------
// Server

export async function startFakeGithub(opts: { tokens?: string[]; login?: string } = {}): Promise<FakeGithub> {
  const valid = new Set(opts.tokens ?? [FAKE_GITHUB_TOKEN]);
  const state = createState(opts.login ?? 'octocat');
  const quota: Quota = { remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 };
  const table = routes(state, quota);
  const requests: RecordedRequest[] = [];
  const faults: GithubFault[] = [];
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (body instanceof RawBody) {
      res.setHeader('content-type', body.contentType);
      res.end(body.text);
      return;
    }
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  };
  const resetAt = (inSeconds: number) => String(Math.floor(Date.now() / 1000) + inSeconds);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', base);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let body: unknown;
    let badJson = false;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, at: performance.now() };
    requests.push(record);
    res.setHeader('x-github-api-version-selected', SUPPORTED_API_VERSIONS[0] ?? '');

    const fault = faults.shift();
    const secondaryMessage = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    if (fault?.kind === 'rate_limit_429') {
      // A secondary limit with Retry-After: the hourly quota still has room, as GitHub reports it.
      return send(res, 429, { message: secondaryMessage, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: '429' }, {
        'retry-after': String(fault.retryAfterSeconds),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(quota.remaining),
        'x-ratelimit-reset': String(quota.reset),
      });
    }
    if (fault?.kind === 'secondary_rate_limit') {
      return send(res, fault.status, { message: secondaryMessage, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: String(fault.status) }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(quota.remaining),
        'x-ratelimit-used': String(5000 - quota.remaining),
        'x-ratelimit-resource': 'core',
        'x-ratelimit-reset': String(quota.reset),
      });
    }
    if (fault?.kind === 'rate_limit_403') {
      return send(res, 403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: '403' }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-resource': 'core',
        'x-ratelimit-reset': resetAt(fault.resetInSeconds),
      });
    }
    if (fault?.kind === 'server_error') {
      if (fault.status === 502) {
        res.statusCode = 502;
        res.setHeader('content-type', 'text/html');
        return res.end('<html><head><title>502 Bad Gateway</title></head><body>Server Error</body></html>');
      }
      return send(res, fault.status, { message: 'Server Error' });
    }

    const auth = /^(?:bearer|token)\s+(\S+)$/i.exec(headers.authorization ?? '');
    if (fault?.kind === 'bad_credentials' || (auth && !valid.has(auth[1] ?? ''))) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    }
    if (!auth) return send(res, 401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
    if (fault?.kind === 'resource_not_accessible') {
      return send(res, 403, { message: 'Resource not accessible by personal access token', documentation_url: `${DOCS}/issues/issues#create-an-issue`, status: '403' }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(quota.remaining),
        'x-ratelimit-reset': String(quota.reset),
        'x-accepted-github-permissions': 'issues=write',
      });
    }
    if (!headers['user-agent']) {
      res.statusCode = 403;
      res.setHeader('content-type', 'text/plain');
      return res.end('Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).');
    }
    const version = headers['x-github-api-version'];
    if (version !== undefined && !SUPPORTED_API_VERSIONS.includes(version)) {
      return send(res, 400, { message: `API version '${version}' is not supported.`, documentation_url: `${DOCS}/overview/api-versions`, status: '400' });
    }
    if (badJson) return send(res, 400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });

    // GET /rate_limit does not count against the quota, as on GitHub.
    if (url.pathname !== '/rate_limit') quota.remaining = Math.max(1, quota.remaining - 1);
    const rateHeaders = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': String(quota.remaining), 'x-ratelimit-reset': String(quota.reset), 'x-ratelimit-resource': url.pathname.startsWith('/search') ? 'search' : 'core' };
    const method = req.method ?? 'GET';
    const matched = table.map(([verb, re, h]) => ({ verb, m: re.exec(url.pathname), h })).filter((x) => x.m);
    if (matched.length === 0) return send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, rateHeaders);
    const route = matched.find((x) => x.verb === method);
    if (!route?.m) return send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, rateHeaders);
    try {
      const ctx: Ctx = { req, res, url, base, body, record, token: auth[1] ?? '' };
      const out = route.h(ctx, route.m);
      send(res, res.statusCode || 200, out, rateHeaders);
    } catch (e) {
      if (e instanceof HttpFailure) return send(res, e.status, e.body, rateHeaders);
      send(res, 500, { message: 'Server Error' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    token: [...valid][0] ?? FAKE_GITHUB_TOKEN,
    requests,
    state,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    revokeToken(token) {
      if (token) valid.delete(token);
      else valid.clear();
    },
    requestsTo(prefix, method) {
      return requests.filter((r) => r.path.startsWith(prefix) && (!method || r.method === method));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
