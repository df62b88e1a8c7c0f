/**
 * A loopback Jira Cloud (REST v3) that speaks the documented shapes: Basic auth (email:api_token)
 * on the site paths (/rest/api/3/…), Bearer (OAuth 2.0 3LO) or Basic through the API gateway paths
 * (/ex/jira/{cloudId}/rest/api/3/…), `{errorMessages, errors}` error bodies, nextPageToken search
 * pages, startAt/isLast project pages, ADF-only rich text, and injectable faults.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';

export interface FakeJiraUser {
  accountId: string;
  displayName: string;
  email: string;
  /** Profile visibility: Jira omits emailAddress from responses but still matches it in /user/search. */
  emailHidden?: boolean;
  timeZone?: string;
}

export interface FakeJiraIssue {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  description: unknown;
  status: string;
  issueType: string;
  assignee: string | null;
  reporter: string;
  labels: string[];
  priority: string;
  created: string;
  updated: string;
  comments: { id: string; author: string; body: unknown; created: string }[];
}

export interface FakeJiraProject {
  id: string;
  key: string;
  name: string;
  issueTypes: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** Date.now() on arrival: lets a test see that a Retry-After wait was honoured. */
  at: number;
}

export type JiraFault = { status: 429; retryAfterSeconds?: number } | { status: 500 | 502 | 503 };

export interface FakeJiraOptions {
  email?: string;
  apiToken?: string;
  oauthToken?: string;
  cloudId?: string;
  /** Most issues per /search/jql page whatever maxResults asks (Jira caps it too). */
  searchPageSize?: number;
  /** Most projects per /project/search page. */
  projectPageSize?: number;
  /** Issues seeded in PROJ. */
  seedIssues?: number;
}

export interface FakeJiraState {
  users: FakeJiraUser[];
  projects: FakeJiraProject[];
  issues: FakeJiraIssue[];
  /** accountId of the token's owner. */
  me: string;
}

export interface FakeJira {
  url: string;
  /** Base URL of the API-gateway (OAuth) mode: `${url}/ex/jira/${cloudId}`. */
  gatewayUrl: string;
  requests: RecordedRequest[];
  state: FakeJiraState;
  inject(fault: JiraFault, count?: number): void;
  revokeToken(): void;
  close(): Promise<void>;
}

const STATUSES: Record<string, { id: string; category: { id: number; key: string; name: string; colorName: string } }> = {
  'To Do': { id: '10000', category: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' } },
  'In Progress': { id: '3', category: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' } },
  Done: { id: '10001', category: { id: 3, key: 'done', name: 'Done', colorName: 'green' } },
};
const TRANSITIONS = [
  { id: '11', name: 'To Do', to: 'To Do' },
  { id: '21', name: 'Start progress', to: 'In Progress' },
  { id: '31', name: 'Done', to: 'Done' },
];
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const NOT_FOUND_ISSUE = 'Issue does not exist or you do not have permission to see it.';

export function seedState(seedIssues: number): FakeJiraState {
  const users: FakeJiraUser[] = [
    { accountId: '5b10a2844c20165700ede21g', displayName: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/London' },
    { accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', displayName: 'Grace Hopper', email: 'grace@example.com', timeZone: 'America/New_York' },
    { accountId: '712020:2c3f4a5b-6d7e-4f80-9a1b-2c3d4e5f6a7b', displayName: 'Hidden Email', email: 'hidden@example.com', emailHidden: true },
  ];
  const projects: FakeJiraProject[] = [
    { id: '10000', key: 'PROJ', name: 'Project', issueTypes: ['Task', 'Bug', 'Story'] },
    { id: '10001', key: 'OPS', name: 'Operations', issueTypes: ['Task'] },
    { id: '10002', key: 'WEB', name: 'Website', issueTypes: ['Task', 'Bug'] },
    { id: '10003', key: 'DATA', name: 'Data platform', issueTypes: ['Task'] },
    { id: '10004', key: 'INFRA', name: 'Infrastructure', issueTypes: ['Task'] },
  ];
  const issues: FakeJiraIssue[] = [];
  const base = Date.parse('2025-01-01T09:00:00.000Z');
  for (let n = 1; n <= seedIssues; n++) {
    const at = new Date(base + n * 3_600_000).toISOString().replace('Z', '+0000');
    issues.push({
      id: String(10000 + n),
      key: `PROJ-${n}`,
      projectKey: 'PROJ',
      summary: `Seeded issue ${n}`,
      description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: `Body of issue ${n}` }] }] },
      status: n % 3 === 0 ? 'In Progress' : 'To Do',
      issueType: 'Task',
      assignee: n % 2 === 0 ? '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077' : null,
      reporter: '5b10a2844c20165700ede21g',
      labels: n % 2 === 0 ? ['backend'] : [],
      priority: 'Medium',
      created: at,
      updated: at,
      comments: [],
    });
  }
  issues.push({
    id: '20001', key: 'OPS-1', projectKey: 'OPS', summary: 'Rotate certificates', description: null, status: 'To Do', issueType: 'Task',
    assignee: null, reporter: '5b10a2844c20165700ede21g', labels: [], priority: 'High', created: '2025-01-01T08:00:00.000+0000', updated: '2025-01-01T08:00:00.000+0000', comments: [],
  });
  return { users, projects, issues, me: '5b10a2844c20165700ede21g' };
}

class HttpFailure {
  constructor(readonly status: number, readonly body: unknown) {}
}
const jiraError = (status: number, errorMessages: string[], errors: Record<string, string> = {}) => new HttpFailure(status, { errorMessages, errors });

export async function startFakeJira(opts: FakeJiraOptions = {}): Promise<FakeJira> {
  const email = opts.email ?? 'ada@example.com';
  const apiToken = opts.apiToken ?? 'jira-api-token-123';
  const oauthToken = opts.oauthToken ?? 'jira-oauth-access-token';
  const cloudId = opts.cloudId ?? '11111111-2222-4333-8444-555555555555';
  const searchPageSize = opts.searchPageSize ?? 100;
  const projectPageSize = opts.projectPageSize ?? 50;
  const state = seedState(opts.seedIssues ?? 5);
  const requests: RecordedRequest[] = [];
  const faults: JiraFault[] = [];
  let revoked = false;
  let origin = '';
  let nextIssueId = 30000;
  let nextCommentId = 40000;

  const userById = (id: string) => state.users.find((u) => u.accountId === id);
  const userJson = (u: FakeJiraUser) => ({
    self: `${origin}/rest/api/3/user?accountId=${encodeURIComponent(u.accountId)}`,
    accountId: u.accountId,
    accountType: 'atlassian',
    ...(u.emailHidden ? {} : { emailAddress: u.email }),
    displayName: u.displayName,
    active: true,
    ...(u.timeZone ? { timeZone: u.timeZone } : {}),
  });
  const findIssue = (idOrKey: string) => state.issues.find((i) => i.key === idOrKey || i.id === idOrKey);

  function issueJson(i: FakeJiraIssue, fields: string[] | undefined) {
    const status = STATUSES[i.status] ?? STATUSES['To Do']!;
    const project = state.projects.find((p) => p.key === i.projectKey);
    const assignee = i.assignee ? userById(i.assignee) : undefined;
    const reporter = userById(i.reporter);
    const all: Record<string, unknown> = {
      summary: i.summary,
      description: i.description,
      status: { self: `${origin}/rest/api/3/status/${status.id}`, id: status.id, name: i.status, statusCategory: status.category },
      issuetype: { id: String(10001 + (project?.issueTypes.indexOf(i.issueType) ?? 0)), name: i.issueType, subtask: false },
      project: { id: project?.id, key: i.projectKey, name: project?.name },
      assignee: assignee ? userJson(assignee) : null,
      reporter: reporter ? userJson(reporter) : null,
      labels: i.labels,
      priority: { id: String(PRIORITIES.indexOf(i.priority) + 1), name: i.priority },
      created: i.created,
      updated: i.updated,
      duedate: null,
      customfield_10016: 3,
      comment: { comments: i.comments.map(commentJson), maxResults: i.comments.length, total: i.comments.length, startAt: 0 },
    };
    const wanted = fields === undefined || fields.includes('*all') || fields.includes('*navigable') ? Object.keys(all) : fields;
    const out: Record<string, unknown> = {};
    for (const f of wanted) if (f in all) out[f] = all[f];
    return { expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations', id: i.id, self: `${origin}/rest/api/3/issue/${i.id}`, key: i.key, fields: out };
  }

  function commentJson(c: FakeJiraIssue['comments'][number]) {
    const author = userById(c.author);
    return { self: `${origin}/rest/api/3/issue/comment/${c.id}`, id: c.id, author: author ? userJson(author) : undefined, body: c.body, created: c.created, updated: c.created, jsdPublic: true };
  }

  /** Basic on the site; Bearer (3LO) or Basic (scoped token) through the API gateway. */
  function authenticate(req: IncomingMessage, viaGateway: boolean): HttpFailure | undefined {
    const header = req.headers.authorization ?? '';
    const basic = `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
    const ok = !revoked && (header === basic || (viaGateway && header === `Bearer ${oauthToken}`));
    if (ok) return undefined;
    // The site answers in plain text; the gateway in its own JSON.
    return viaGateway ? new HttpFailure(401, { code: 401, message: 'Unauthorized' }) : new HttpFailure(401, 'Client must be authenticated to access this resource.');
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', origin);
      let body: unknown = undefined;
      let badJson = false;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          badJson = true;
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, at: Date.now() });
      try {
        const fault = faults.shift();
        if (fault) return sendFault(res, fault);
        const gw = new RegExp(`^/ex/jira/${cloudId}(/rest/api/3/.*)$`).exec(url.pathname);
        const path = gw?.[1] ?? url.pathname;
        const denied = authenticate(req, gw !== null);
        if (denied) throw denied;
        if (req.method === 'POST' || req.method === 'PUT') {
          if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpFailure(415, 'Unsupported Media Type');
          if (badJson) throw jiraError(400, ['Unexpected character: was expecting a JSON value']);
        }
        const out = route(req.method ?? 'GET', path, url.searchParams, body);
        send(res, out.status, out.body);
      } catch (e) {
        if (e instanceof HttpFailure) send(res, e.status, e.body);
        else send(res, 500, { errorMessages: [e instanceof Error ? e.message : String(e)], errors: {} });
      }
    });
  });

  function sendFault(res: ServerResponse, fault: JiraFault) {
    if (fault.status === 429) {
      res.setHeader('Retry-After', String(fault.retryAfterSeconds ?? 1));
      res.setHeader('X-RateLimit-Limit', '100');
      res.setHeader('X-RateLimit-Remaining', '0');
      res.setHeader('RateLimit-Reason', 'jira-burst-based');
      return send(res, 429, { errorMessages: ['Rate limit exceeded.'], errors: {} });
    }
    send(res, fault.status, fault.status === 500 ? { errorMessages: ['Internal server error'], errors: {} } : '<html><head><title>Bad Gateway</title></head><body>Bad Gateway</body></html>');
  }

  function send(res: ServerResponse, status: number, body: unknown) {
    if (body === undefined) {
      res.writeHead(status).end();
    } else if (typeof body === 'string') {
      res.writeHead(status, { 'content-type': body.startsWith('<html') ? 'text/html;charset=UTF-8' : 'text/plain;charset=UTF-8' }).end(body);
    } else {
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
    }
  }

  type Out = { status: number; body?: unknown };

  function route(method: string, path: string, q: URLSearchParams, body: unknown): Out {
    const issuePath = /^\/rest\/api\/3\/issue\/([^/]+)(\/transitions|\/comment|\/assignee)?$/.exec(path);
    if (method === 'GET' && path === '/rest/api/3/myself') return { status: 200, body: userJson(userById(state.me)!) };
    if (method === 'POST' && path === '/rest/api/3/search/jql') return search(body);
    if (method === 'GET' && path === '/rest/api/3/project/search') return projectSearch(q);
    if (method === 'GET' && path === '/rest/api/3/user/search') return userSearch(q);
    if (method === 'POST' && path === '/rest/api/3/issue') return createIssue(body);
    if (issuePath) {
      const issue = findIssue(decodeURIComponent(issuePath[1] ?? ''));
      if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
      const sub = issuePath[2];
      if (sub === undefined && method === 'GET') return { status: 200, body: issueJson(issue, q.get('fields')?.split(',')) };
      if (sub === undefined && method === 'PUT') return editIssue(issue, body);
      if (sub === '/transitions' && method === 'GET') return { status: 200, body: { expand: 'transitions', transitions: transitionsFor(issue) } };
      if (sub === '/transitions' && method === 'POST') return doTransition(issue, body);
      if (sub === '/comment' && method === 'POST') return addComment(issue, body);
      if (sub === '/assignee' && method === 'PUT') return assign(issue, body);
    }
    throw jiraError(404, ['null for uri: ' + path]);
  }

  function search(body: unknown): Out {
    const b = asObject(body);
    if (typeof b.jql !== 'string') throw jiraError(400, ['The JQL query is required.']);
    const maxResults = typeof b.maxResults === 'number' ? b.maxResults : 50;
    const fields = Array.isArray(b.fields) ? b.fields.filter((f): f is string => typeof f === 'string') : ['id'];
    const matches = runJql(b.jql);
    const offset = typeof b.nextPageToken === 'string' ? decodeToken(b.nextPageToken) : 0;
    const size = Math.max(1, Math.min(maxResults, searchPageSize));
    const page = matches.slice(offset, offset + size);
    const more = offset + size < matches.length;
    return {
      status: 200,
      body: {
        issues: page.map((i) => (fields.length === 1 && fields[0] === 'id' ? { id: i.id } : issueJson(i, fields))),
        ...(more ? { nextPageToken: Buffer.from(`offset:${offset + size}`).toString('base64url') } : {}),
        isLast: !more,
      },
    };
  }

  function decodeToken(t: string): number {
    const m = /^offset:(\d+)$/.exec(Buffer.from(t, 'base64url').toString('utf8'));
    if (!m) throw jiraError(400, ['The provided next page token is invalid or expired.']);
    return Number(m[1]);
  }

  function runJql(jql: string) {
    const parsed = parseJql(jql);
    if (!parsed.bounded) throw jiraError(400, ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.']);
    const found = state.issues.filter(parsed.where);
    const [field, dir] = parsed.orderBy ?? ['created', 'DESC'];
    const key = (i: FakeJiraIssue): string | number => (field === 'key' ? Number(i.id) : field === 'updated' ? i.updated : i.created);
    found.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : Number(a.id) - Number(b.id);
      return dir === 'DESC' ? -c : c;
    });
    return found;
  }

  /** A small JQL subset: project/status/assignee/labels/issuetype/priority/summary/text clauses, AND/OR, parentheses, ORDER BY. */
  function parseJql(jql: string): { where: (i: FakeJiraIssue) => boolean; bounded: boolean; orderBy?: [string, 'ASC' | 'DESC'] } {
    const tokens = [...jql.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(!=|!~|=|~|\(|\)|,)|([^\s=!~(),"']+)/g)].map((m) =>
      m[1] !== undefined ? { q: true, v: m[1] } : m[2] !== undefined ? { q: true, v: m[2] } : { q: false, v: (m[3] ?? m[4])! },
    );
    let pos = 0;
    const peek = () => tokens[pos];
    const word = (w: string) => peek()?.q === false && peek()?.v.toLowerCase() === w;
    const fail = (msg: string) => jiraError(400, [`Error in the JQL Query: ${msg}`]);
    let bounded = false;
    const fieldValue = (i: FakeJiraIssue, f: string): string[] => {
      switch (f) {
        case 'project': return [i.projectKey];
        case 'status': return [i.status];
        case 'assignee': return i.assignee ? [i.assignee, userById(i.assignee)?.email ?? ''] : [];
        case 'labels': return i.labels;
        case 'issuetype': case 'type': return [i.issueType];
        case 'priority': return [i.priority];
        case 'summary': return [i.summary];
        case 'text': return [i.summary, JSON.stringify(i.description)];
        case 'key': case 'issuekey': return [i.key];
        default: throw jiraError(400, [`Field '${f}' does not exist or you do not have permission to view it.`]);
      }
    };
    const value = (): string => {
      const t = tokens[pos++];
      if (!t) throw fail('expecting a value');
      if (!t.q && /^currentUser$/i.test(t.v) && tokens[pos]?.v === '(' && tokens[pos + 1]?.v === ')') {
        pos += 2;
        return state.me;
      }
      return t.v;
    };
    const clause = (): ((i: FakeJiraIssue) => boolean) => {
      if (peek()?.v === '(') {
        pos++;
        const inner = or();
        if (tokens[pos++]?.v !== ')') throw fail("expecting ')'");
        return inner;
      }
      if (word('not')) {
        pos++;
        const inner = clause();
        return (i) => !inner(i);
      }
      const f = tokens[pos++]?.v.toLowerCase();
      if (!f) throw fail('expecting a field name');
      if (f === 'project' || f === 'key' || f === 'issuekey' || f === 'assignee' || f === 'status') bounded = true;
      let op = tokens[pos++]?.v.toLowerCase();
      if (op === 'not' && word('in')) {
        pos++;
        op = 'not in';
      }
      if (op === 'in' || op === 'not in') {
        if (tokens[pos++]?.v !== '(') throw fail("expecting '(' after in");
        const vals: string[] = [];
        while (peek() && peek()?.v !== ')') {
          vals.push(value().toLowerCase());
          if (peek()?.v === ',') pos++;
        }
        pos++;
        const neg = op === 'not in';
        return (i) => fieldValue(i, f).some((v) => vals.includes(v.toLowerCase())) !== neg;
      }
      if (op === 'is') {
        const neg = word('not') ? (pos++, true) : false;
        if (!word('empty') && !word('null')) throw fail('expecting EMPTY');
        pos++;
        return (i) => (fieldValue(i, f).length === 0) !== neg;
      }
      const v = value().toLowerCase();
      if (op === '=' || op === '!=') {
        const neg = op === '!=';
        return (i) => fieldValue(i, f).some((x) => x.toLowerCase() === v) !== neg;
      }
      if (op === '~' || op === '!~') {
        const neg = op === '!~';
        return (i) => fieldValue(i, f).some((x) => x.toLowerCase().includes(v)) !== neg;
      }
      throw fail(`unsupported operator ${op ?? '(none)'}`);
    };
    const and = () => {
      const parts = [clause()];
      while (word('and')) {
        pos++;
        parts.push(clause());
      }
      return (i: FakeJiraIssue) => parts.every((p) => p(i));
    };
    const or = () => {
      const parts = [and()];
      while (word('or')) {
        pos++;
        parts.push(and());
      }
      return (i: FakeJiraIssue) => parts.some((p) => p(i));
    };
    const where = peek() && !word('order') ? or() : () => true;
    let orderBy: [string, 'ASC' | 'DESC'] | undefined;
    if (word('order')) {
      pos++;
      if (!word('by')) throw fail("expecting 'by'");
      pos++;
      const f = value().toLowerCase();
      const dir = word('asc') || word('desc') ? (tokens[pos++]!.v.toUpperCase() as 'ASC' | 'DESC') : 'ASC';
      orderBy = [f, dir];
    }
    if (pos < tokens.length) throw fail(`unexpected '${tokens[pos]?.v}'`);
    return { where, bounded, ...(orderBy ? { orderBy } : {}) };
  }

  function projectSearch(q: URLSearchParams): Out {
    const startAt = Number(q.get('startAt') ?? 0);
    const maxResults = Math.min(Number(q.get('maxResults') ?? 50), projectPageSize);
    const query = q.get('query')?.toLowerCase();
    const all = state.projects.filter((p) => !query || p.key.toLowerCase().includes(query) || p.name.toLowerCase().includes(query)).sort((a, b) => a.key.localeCompare(b.key));
    const values = all.slice(startAt, startAt + maxResults);
    const isLast = startAt + maxResults >= all.length;
    const pageUrl = (s: number) => `${origin}/rest/api/3/project/search?maxResults=${maxResults}&startAt=${s}`;
    return {
      status: 200,
      body: {
        self: pageUrl(startAt),
        ...(isLast ? {} : { nextPage: pageUrl(startAt + maxResults) }),
        maxResults,
        startAt,
        total: all.length,
        isLast,
        values: values.map((p) => ({ self: `${origin}/rest/api/3/project/${p.id}`, id: p.id, key: p.key, name: p.name, projectTypeKey: 'software', simplified: false, style: 'classic', isPrivate: false })),
      },
    };
  }

  function userSearch(q: URLSearchParams): Out {
    const query = q.get('query')?.toLowerCase();
    if (!query && !q.get('accountId')) throw jiraError(400, ["The query parameter 'query' or 'accountId' is required."]);
    const found = state.users.filter((u) => (query ? u.email.toLowerCase() === query || u.displayName.toLowerCase().startsWith(query) : u.accountId === q.get('accountId')));
    return { status: 200, body: found.map(userJson) };
  }

  function createIssue(body: unknown): Out {
    const fields = asObject(asObject(body).fields);
    const errors: Record<string, string> = {};
    const pRef = asObject(fields.project);
    const project = state.projects.find((p) => p.key === pRef.key || p.id === pRef.id);
    if (!project) errors.project = 'Specify a valid project ID or key';
    const tRef = asObject(fields.issuetype);
    if (project && !project.issueTypes.includes(String(tRef.name ?? ''))) errors.issuetype = 'Specify an issue type';
    if (typeof fields.summary !== 'string' || fields.summary.trim() === '') errors.summary = 'You must specify a summary of the issue.';
    else if (/[\r\n]/.test(fields.summary)) errors.summary = 'The summary is invalid because it contains newline characters.';
    Object.assign(errors, validateEditable(fields, ['project', 'issuetype', 'summary']));
    if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
    const now = new Date().toISOString().replace('Z', '+0000');
    const n = state.issues.filter((i) => i.projectKey === project!.key).length + 1;
    const issue: FakeJiraIssue = {
      id: String(nextIssueId++),
      key: `${project!.key}-${n}`,
      projectKey: project!.key,
      summary: fields.summary as string,
      description: fields.description ?? null,
      status: 'To Do',
      issueType: String(tRef.name),
      assignee: typeof asObject(fields.assignee).accountId === 'string' ? (asObject(fields.assignee).accountId as string) : null,
      reporter: state.me,
      labels: Array.isArray(fields.labels) ? (fields.labels as string[]) : [],
      priority: typeof asObject(fields.priority).name === 'string' ? (asObject(fields.priority).name as string) : 'Medium',
      created: now,
      updated: now,
      comments: [],
    };
    state.issues.push(issue);
    return { status: 201, body: { id: issue.id, key: issue.key, self: `${origin}/rest/api/3/issue/${issue.id}` } };
  }

  /** The checks Jira applies to editable fields, keyed by field as its 400 body does. */
  function validateEditable(fields: Record<string, unknown>, skip: string[]): Record<string, string> {
    const errors: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (skip.includes(k)) continue;
      if (k === 'summary') {
        if (typeof v !== 'string' || v.trim() === '') errors.summary = 'You must specify a summary of the issue.';
      } else if (k === 'description') {
        if (v !== null && !isAdfDoc(v)) errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
      } else if (k === 'labels') {
        if (!Array.isArray(v) || v.some((l) => typeof l !== 'string' || /\s/.test(l))) errors.labels = 'The label must not contain spaces.';
      } else if (k === 'priority') {
        if (!PRIORITIES.includes(String(asObject(v).name))) errors.priority = `The priority selected is invalid.`;
      } else if (k === 'assignee') {
        const id = asObject(v).accountId;
        if (id !== null && (typeof id !== 'string' || !userById(id))) errors.assignee = `User '${String(id)}' cannot be assigned issues.`;
      } else {
        errors[k] = `Field '${k}' cannot be set. It is not on the appropriate screen, or unknown.`;
      }
    }
    return errors;
  }

  function editIssue(issue: FakeJiraIssue, body: unknown): Out {
    const fields = asObject(asObject(body).fields);
    const errors = validateEditable(fields, []);
    if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
    if (typeof fields.summary === 'string') issue.summary = fields.summary;
    if ('description' in fields) issue.description = fields.description;
    if (Array.isArray(fields.labels)) issue.labels = fields.labels as string[];
    if (fields.priority !== undefined) issue.priority = String(asObject(fields.priority).name);
    issue.updated = new Date().toISOString().replace('Z', '+0000');
    return { status: 204 };
  }

  function transitionsFor(issue: FakeJiraIssue) {
    return TRANSITIONS.filter((t) => t.to !== issue.status).map((t) => {
      const s = STATUSES[t.to]!;
      return {
        id: t.id, name: t.name, hasScreen: false, isGlobal: true, isInitial: false, isAvailable: true, isConditional: false, isLooped: false,
        to: { self: `${origin}/rest/api/3/status/${s.id}`, description: '', iconUrl: `${origin}/images/icons/statuses/generic.png`, name: t.to, id: s.id, statusCategory: s.category },
      };
    });
  }

  function doTransition(issue: FakeJiraIssue, body: unknown): Out {
    const id = asObject(asObject(body).transition).id;
    const t = transitionsFor(issue).find((x) => x.id === id);
    if (!t) throw jiraError(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
    issue.status = t.to.name;
    issue.updated = new Date().toISOString().replace('Z', '+0000');
    return { status: 204 };
  }

  function addComment(issue: FakeJiraIssue, body: unknown): Out {
    const b = asObject(body).body;
    if (!isAdfDoc(b)) throw jiraError(400, [], { comment: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' });
    const c = { id: String(nextCommentId++), author: state.me, body: b, created: new Date().toISOString().replace('Z', '+0000') };
    issue.comments.push(c);
    return { status: 201, body: commentJson(c) };
  }

  function assign(issue: FakeJiraIssue, body: unknown): Out {
    const b = asObject(body);
    if (!('accountId' in b)) throw jiraError(400, [], { accountId: 'accountId is required' });
    if (b.accountId !== null && (typeof b.accountId !== 'string' || !userById(b.accountId))) {
      throw jiraError(400, [], { assignee: `User '${String(b.accountId)}' cannot be assigned issues.` });
    }
    issue.assignee = b.accountId as string | null;
    return { status: 204 };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    gatewayUrl: `${origin}/ex/jira/${cloudId}`,
    requests,
    state,
    inject(fault, count = 1) {
      for (let n = 0; n < count; n++) faults.push(fault);
    },
    revokeToken() {
      revoked = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** ADF as Jira checks it: a versioned doc whose text nodes are non-empty strings. */
export function isAdfDoc(v: unknown): boolean {
  const d = asObject(v);
  if (d.type !== 'doc' || d.version !== 1 || !Array.isArray(d.content)) return false;
  const ok = (n: unknown): boolean => {
    const o = asObject(n);
    if (typeof o.type !== 'string') return false;
    if (o.type === 'text' && (typeof o.text !== 'string' || o.text === '')) return false;
    return o.content === undefined || (Array.isArray(o.content) && o.content.every(ok));
  };
  return d.content.every(ok);
}
