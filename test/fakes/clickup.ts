/**
 * A loopback ClickUp API v2 (https://developer.clickup.com/reference): the documented shapes
 * (`{teams}`, `{spaces}`, `{lists}`, `{folders}`, `{tasks, last_page}` for a list and `{tasks}` for a
 * workspace search, `{comments}`, `{user}`),
 * its error bodies (`{"err": "...", "ECODE": "..."}`), its Authorization rules (a personal token
 * `pk_…` bare, an OAuth token as `Bearer …`), page=0,1,2… paging, and 429s with
 * X-RateLimit-Limit / -Remaining / -Reset (epoch seconds). Faults are injected on demand and
 * every request is recorded for assertions.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path below /api/v2, e.g. "/list/67890/task". */
  path: string;
  /** Keys ending in [] are always arrays (ClickUp's array parameters); others hold the last value. */
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: unknown;
  /** Date.now() when the request arrived (to check that a wait was honoured). */
  at: number;
}

export interface FakeUser { id: number; username: string; email: string; initials: string; color: string; profilePicture: null }
export interface FakeStatus { status: string; type: 'open' | 'custom' | 'closed'; color: string; orderindex: number }
export interface FakeList { id: string; name: string; space_id: string; folder_id: string | null; archived: boolean }
export interface FakeFolder { id: string; name: string; space_id: string; archived: boolean }
export interface FakeSpace { id: string; name: string; team_id: string; private: boolean; archived: boolean }
export interface FakeTask {
  id: string; custom_id: string | null; name: string; list_id: string; status: string; priority: number | null;
  assignees: number[]; tags: string[]; due_date: number | null; date_created: number; date_updated: number;
  description: string; markdown_description: string; archived: boolean; parent: string | null;
}
export interface FakeComment { id: string; task_id: string; text: string; user_id: number; date: number; resolved: boolean }

export interface FakeClickupState {
  users: FakeUser[];
  team: { id: string; name: string };
  statuses: FakeStatus[];
  spaces: FakeSpace[];
  folders: FakeFolder[];
  lists: FakeList[];
  tasks: FakeTask[];
  comments: FakeComment[];
  nextId: number;
}

export type FakeFault = { status: 429; times?: number; resetInSeconds?: number } | { status: 500 | 502; times?: number };

export interface FakeClickupOptions {
  personalTokens?: string[];
  oauthTokens?: string[];
  /** ClickUp serves 100 tasks a page. */
  pageSize?: number;
  /** Tasks generated in list 67892 ("Big"), for paging. */
  bigListTasks?: number;
}

export interface FakeClickup {
  url: string;
  requests: RecordedRequest[];
  state: FakeClickupState;
  inject(fault: FakeFault): void;
  /** Revokes one token (or all): it then gets 401 Token invalid. */
  revokeToken(token?: string): void;
  close(): Promise<void>;
}

export const FAKE_PERSONAL_TOKEN = 'pk_183_FAKEPERSONALTOKEN0000000000';
export const FAKE_OAUTH_TOKEN = '183_fakeoauthaccesstoken000000000000';

const BASE = '/api/v2';
const T0 = Date.UTC(2025, 0, 1);

class ApiError extends Error {
  constructor(readonly status: number, readonly err: string, readonly ecode: string) {
    super(err);
  }
}

function seed(bigListTasks: number): FakeClickupState {
  const task = (id: string, custom: string | null, name: string, list: string, status: string, extra: Partial<FakeTask> = {}): FakeTask => ({
    id, custom_id: custom, name, list_id: list, status, priority: null, assignees: [], tags: [], due_date: null,
    date_created: T0 + Number.parseInt(id.replace(/\D/g, '') || '0', 10) * 60_000, date_updated: T0,
    description: '', markdown_description: '', archived: false, parent: null, ...extra,
  });
  const big = Array.from({ length: bigListTasks }, (_, i) => task(`b${String(i + 1).padStart(3, '0')}`, null, `Big task ${i + 1}`, '67892', 'to do'));
  const comments: FakeComment[] = [
    { id: '9001', task_id: 'abc1', text: 'Seen on Safari too', user_id: 184, date: T0 + 1000, resolved: false },
    { id: '9002', task_id: 'abc1', text: 'Fix is in review', user_id: 183, date: T0 + 2000, resolved: false },
    ...Array.from({ length: 30 }, (_, i) => ({ id: String(9100 + i), task_id: 'abc2', text: `Note ${i + 1}`, user_id: 183, date: T0 + (i + 1) * 10_000, resolved: false })),
  ];
  return {
    users: [
      { id: 183, username: 'Ada Lovelace', email: 'ada@example.com', initials: 'AL', color: '#827718', profilePicture: null },
      { id: 184, username: 'Alan Turing', email: 'alan@example.com', initials: 'AT', color: '#04a9f4', profilePicture: null },
    ],
    team: { id: '12345', name: 'Acme' },
    statuses: [
      { status: 'to do', type: 'open', color: '#d3d3d3', orderindex: 0 },
      { status: 'in progress', type: 'custom', color: '#4194f6', orderindex: 1 },
      { status: 'complete', type: 'closed', color: '#6bc950', orderindex: 2 },
    ],
    spaces: [
      { id: '790', name: 'Engineering', team_id: '12345', private: false, archived: false },
      { id: '791', name: 'Old projects', team_id: '12345', private: true, archived: true },
    ],
    folders: [{ id: '457', name: 'Sprints', space_id: '790', archived: false }],
    lists: [
      { id: '67890', name: 'Backlog', space_id: '790', folder_id: null, archived: false },
      { id: '67892', name: 'Big', space_id: '790', folder_id: null, archived: false },
      { id: '67891', name: 'Sprint 1', space_id: '790', folder_id: '457', archived: false },
    ],
    tasks: [
      task('abc1', 'DEV-1', 'Fix login bug', '67890', 'to do', { priority: 2, assignees: [183], tags: ['bug'], due_date: Date.UTC(2025, 0, 31), markdown_description: 'Login fails on **Safari**', description: 'Login fails on Safari' }),
      task('abc2', 'DEV-2', 'Write docs', '67890', 'in progress', { tags: ['docs'], due_date: Date.UTC(2025, 2, 1) }),
      task('abc3', 'DEV-3', 'Ship v1', '67890', 'complete', { priority: 1, assignees: [184] }),
      task('abc4', 'DEV-4', 'Sprint task', '67891', 'to do'),
      ...big,
    ],
    comments,
    nextId: 1000,
  };
}

export async function startFakeClickup(opts: FakeClickupOptions = {}): Promise<FakeClickup> {
  const state = seed(opts.bigListTasks ?? 250);
  const pageSize = opts.pageSize ?? 100;
  const personal = new Set(opts.personalTokens ?? [FAKE_PERSONAL_TOKEN]);
  const oauth = new Set(opts.oauthTokens ?? [FAKE_OAUTH_TOKEN]);
  const requests: RecordedRequest[] = [];
  const faults: { fault: FakeFault; left: number }[] = [];

  // ---- serialization: the documented response shapes ----
  const userJson = (id: number) => {
    const u = state.users.find((x) => x.id === id);
    return u ? { id: u.id, username: u.username, email: u.email, color: u.color, initials: u.initials, profilePicture: u.profilePicture } : { id, username: null, email: null };
  };
  const listOf = (id: string) => state.lists.find((l) => l.id === id);
  const tasksIn = (listId: string) => state.tasks.filter((t) => t.list_id === listId && !t.archived);
  const listJson = (l: FakeList) => {
    const space = state.spaces.find((s) => s.id === l.space_id);
    const folder = l.folder_id ? state.folders.find((f) => f.id === l.folder_id) : undefined;
    return {
      id: l.id, name: l.name, orderindex: 0, content: '', status: null, priority: null, assignee: null,
      // A string (or null) in the published List schema.
      task_count: String(tasksIn(l.id).length), due_date: null, start_date: null,
      // Folderless lists sit in a hidden placeholder folder, as ClickUp reports them.
      folder: folder ? { id: folder.id, name: folder.name, hidden: false, access: true } : { id: `9${l.space_id}`, name: 'hidden', hidden: true, access: true },
      space: { id: l.space_id, name: space?.name ?? '', access: true },
      archived: l.archived, override_statuses: false, permission_level: 'create',
    };
  };
  /**
   * A task. `priorityAs: 'integer'` answers priority as Get Filtered Team Tasks' published schema
   * types it (an integer 1-4); elsewhere it is the `{ id, priority, color, orderindex }` object.
   */
  const taskJson = (t: FakeTask, withMarkdown: boolean, priorityAs: 'object' | 'integer' = 'object') => {
    const st = state.statuses.find((s) => s.status === t.status) ?? state.statuses[0];
    const list = listOf(t.list_id);
    const names = ['', 'urgent', 'high', 'normal', 'low'];
    const colors = ['', '#f50000', '#ffcc00', '#6fddff', '#d8d8d8'];
    return {
      id: t.id, custom_id: t.custom_id, custom_item_id: 0, name: t.name, text_content: t.description, description: t.description,
      ...(withMarkdown ? { markdown_description: t.markdown_description } : {}),
      status: { status: st?.status, color: st?.color, type: st?.type, orderindex: st?.orderindex },
      orderindex: '1.00000000000000000000000000000000', date_created: String(t.date_created), date_updated: String(t.date_updated),
      date_closed: st?.type === 'closed' ? String(t.date_updated) : null, date_done: null, archived: t.archived,
      creator: userJson(183), assignees: t.assignees.map(userJson), group_assignees: [], watchers: [userJson(183)], checklists: [],
      tags: t.tags.map((name) => ({ name, tag_fg: '#800000', tag_bg: '#2ecd6f', creator: 183 })),
      parent: t.parent, top_level_parent: t.parent,
      priority: t.priority === null ? null : priorityAs === 'integer' ? t.priority : { color: colors[t.priority], id: String(t.priority), orderindex: String(t.priority), priority: names[t.priority] },
      due_date: t.due_date === null ? null : String(t.due_date), start_date: null, points: null, time_estimate: null,
      custom_fields: [], dependencies: [], linked_tasks: [], locations: [], team_id: state.team.id,
      url: `https://app.clickup.com/t/${t.id}`, permission_level: 'create',
      list: { id: t.list_id, name: list?.name ?? '', access: true },
      project: { id: list?.folder_id ?? '', name: 'hidden', hidden: true, access: true },
      folder: { id: list?.folder_id ?? '', name: 'hidden', hidden: true, access: true },
      space: { id: list?.space_id ?? '' },
    };
  };

  // ---- input checks, as ClickUp answers them ----
  const checkTeam = (id: string) => {
    if (id !== state.team.id) throw new ApiError(401, 'Team not authorized', 'OAUTH_027');
  };
  const findTask = (id: string, q: URLSearchParams): FakeTask => {
    let t: FakeTask | undefined;
    if (q.get('custom_task_ids') === 'true') {
      const team = q.get('team_id');
      if (!team) throw new ApiError(400, 'Team id must be provided when using custom task ids', 'OAUTH_103');
      checkTeam(team);
      t = state.tasks.find((x) => x.custom_id === id);
    } else {
      t = state.tasks.find((x) => x.id === id);
    }
    if (!t) throw new ApiError(404, 'Task not found, deleted', 'ITEM_013');
    return t;
  };
  const num = (q: URLSearchParams, key: string): number | undefined => {
    const v = q.get(key);
    if (v === null) return undefined;
    if (!/^-?\d+$/.test(v)) throw new ApiError(400, `${key} must be a number`, 'INPUT_002');
    return Number(v);
  };
  const validPriority = (p: unknown) => {
    if (p !== null && !(typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 4)) throw new ApiError(400, 'Priority invalid', 'INPUT_003');
  };
  const validStatus = (s: unknown): string => {
    const found = typeof s === 'string' ? state.statuses.find((x) => x.status === s.toLowerCase()) : undefined;
    if (!found) throw new ApiError(400, 'Status does not exist', 'CRTSK_001');
    return found.status;
  };
  const validUsers = (ids: unknown): number[] => {
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'number' && state.users.some((u) => u.id === i))) {
      throw new ApiError(400, 'Assignees must be members of the Workspace', 'ASSIGN_004');
    }
    return ids as number[];
  };
  const validDate = (d: unknown) => {
    if (d !== null && !(typeof d === 'number' && Number.isInteger(d))) throw new ApiError(400, 'Due date invalid', 'INPUT_004');
  };
  const objectBody = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'Body must be a JSON object', 'INPUT_001');
    return body as Record<string, unknown>;
  };

  /**
   * One page of tasks. Get Tasks (a list) says `last_page`; Get Filtered Team Tasks (a workspace)
   * documents only `{ tasks }`, with priorities as integers, so that is how it answers here.
   */
  function queryTasks(pool: FakeTask[], q: URLSearchParams, shape: 'list' | 'filtered') {
    const page = num(q, 'page') ?? 0;
    const statuses = q.getAll('statuses[]').map((s) => s.toLowerCase());
    const assignees = q.getAll('assignees[]').map(Number);
    const tags = q.getAll('tags[]');
    const gt = num(q, 'due_date_gt');
    const lt = num(q, 'due_date_lt');
    const closedOk = q.get('include_closed') === 'true';
    const closed = new Set(state.statuses.filter((s) => s.type === 'closed').map((s) => s.status));
    const hits = pool.filter(
      (t) =>
        (closedOk || !closed.has(t.status) || statuses.includes(t.status)) &&
        (!statuses.length || statuses.includes(t.status)) &&
        (!assignees.length || t.assignees.some((a) => assignees.includes(a))) &&
        (!tags.length || t.tags.some((x) => tags.includes(x))) &&
        (gt === undefined || (t.due_date !== null && t.due_date > gt)) &&
        (lt === undefined || (t.due_date !== null && t.due_date < lt)),
    );
    // ClickUp's default order is by creation, newest first; reverse=true flips it.
    hits.sort((a, b) => b.date_created - a.date_created || a.id.localeCompare(b.id));
    if (q.get('reverse') === 'true') hits.reverse();
    const slice = hits.slice(page * pageSize, (page + 1) * pageSize);
    if (shape === 'filtered') return { tasks: slice.map((t) => taskJson(t, false, 'integer')) };
    return { tasks: slice.map((t) => taskJson(t, false)), last_page: (page + 1) * pageSize >= hits.length };
  }

  // ---- routes ----
  function route(method: string, path: string, q: URLSearchParams, body: unknown): { status: number; json?: unknown } {
    let m: RegExpExecArray | null;
    const now = Date.now();
    if (method === 'GET' && path === '/user') return { status: 200, json: { user: { ...userJson(183), week_start_day: 0, global_font_support: false, timezone: 'Europe/London' } } };
    if (method === 'GET' && path === '/team') {
      return { status: 200, json: { teams: [{ id: state.team.id, name: state.team.name, color: '#536cfe', avatar: null, members: state.users.map((u) => ({ user: { ...userJson(u.id), role: 1 } })) }] } };
    }
    if (method === 'GET' && (m = /^\/team\/([^/]+)\/space$/.exec(path))) {
      checkTeam(m[1] ?? '');
      const archived = q.get('archived') === 'true';
      const spaces = state.spaces.filter((s) => archived || !s.archived).map((s) => ({
        id: s.id, name: s.name, private: s.private, archived: s.archived, multiple_assignees: true,
        statuses: state.statuses.map((x) => ({ ...x })), features: { due_dates: { enabled: true }, tags: { enabled: true } },
      }));
      return { status: 200, json: { spaces } };
    }
    if (method === 'GET' && (m = /^\/space\/([^/]+)\/(list|folder)$/.exec(path))) {
      const space = state.spaces.find((s) => s.id === m?.[1]);
      if (!space) throw new ApiError(404, 'Project not found', 'PROJ_005');
      const archived = q.get('archived') === 'true';
      const keep = (x: { archived: boolean }) => archived || !x.archived;
      if (m[2] === 'list') return { status: 200, json: { lists: state.lists.filter((l) => l.space_id === space.id && l.folder_id === null && keep(l)).map(listJson) } };
      const folders = state.folders.filter((f) => f.space_id === space.id && keep(f)).map((f) => ({
        id: f.id, name: f.name, orderindex: 0, override_statuses: false, hidden: false, space: { id: space.id, name: space.name },
        task_count: String(state.lists.filter((l) => l.folder_id === f.id).reduce((n, l) => n + tasksIn(l.id).length, 0)),
        lists: state.lists.filter((l) => l.folder_id === f.id && keep(l)).map(listJson),
      }));
      return { status: 200, json: { folders } };
    }
    if (method === 'GET' && (m = /^\/folder\/([^/]+)\/list$/.exec(path))) {
      const folder = state.folders.find((f) => f.id === m?.[1]);
      if (!folder) throw new ApiError(404, 'Category not found', 'CAT_015');
      return { status: 200, json: { lists: state.lists.filter((l) => l.folder_id === folder.id).map(listJson) } };
    }
    if ((m = /^\/list\/([^/]+)\/task$/.exec(path))) {
      const list = listOf(m[1] ?? '');
      if (!list) throw new ApiError(404, 'List not found', 'SUBCAT_016');
      if (method === 'GET') return { status: 200, json: queryTasks(tasksIn(list.id), q, 'list') };
      if (method === 'POST') {
        const b = objectBody(body);
        if (typeof b.name !== 'string' || b.name.trim() === '') throw new ApiError(400, 'Task name invalid', 'INPUT_005');
        if (b.priority !== undefined) validPriority(b.priority);
        if (b.due_date !== undefined) validDate(b.due_date);
        const t: FakeTask = {
          id: `new${state.nextId++}`, custom_id: null, name: b.name, list_id: list.id,
          status: b.status === undefined ? (state.statuses[0]?.status ?? 'to do') : validStatus(b.status),
          priority: (b.priority as number | null | undefined) ?? null,
          assignees: b.assignees === undefined ? [] : validUsers(b.assignees),
          tags: Array.isArray(b.tags) ? b.tags.filter((x): x is string => typeof x === 'string') : [],
          due_date: (b.due_date as number | null | undefined) ?? null, date_created: now, date_updated: now,
          description: typeof b.description === 'string' ? b.description : typeof b.markdown_description === 'string' ? b.markdown_description : '',
          markdown_description: typeof b.markdown_description === 'string' ? b.markdown_description : typeof b.description === 'string' ? b.description : '',
          archived: false, parent: null,
        };
        state.tasks.push(t);
        return { status: 200, json: taskJson(t, false) };
      }
    }
    if (method === 'GET' && (m = /^\/team\/([^/]+)\/task$/.exec(path))) {
      checkTeam(m[1] ?? '');
      const lists = new Set(q.getAll('list_ids[]'));
      const spaces = new Set(q.getAll('space_ids[]'));
      const pool = state.tasks.filter((t) => {
        const l = listOf(t.list_id);
        return !t.archived && (!lists.size || lists.has(t.list_id)) && (!spaces.size || (l !== undefined && spaces.has(l.space_id)));
      });
      return { status: 200, json: queryTasks(pool, q, 'filtered') };
    }
    if ((m = /^\/task\/([^/]+)\/comment$/.exec(path))) {
      const t = findTask(m[1] ?? '', q);
      if (method === 'GET') {
        const start = num(q, 'start');
        const startId = q.get('start_id');
        const all = state.comments.filter((c) => c.task_id === t.id).sort((a, b) => b.date - a.date);
        const older = start === undefined ? all : all.filter((c) => c.date < start || (c.date === start && startId !== null && c.id < startId));
        const comments = older.slice(0, 25).map((c) => ({
          id: c.id, comment: [{ text: c.text }], comment_text: c.text, user: userJson(c.user_id), resolved: c.resolved,
          assignee: null, assigned_by: null, reactions: [], date: String(c.date), reply_count: 0,
        }));
        return { status: 200, json: { comments } };
      }
      if (method === 'POST') {
        const b = objectBody(body);
        if (typeof b.comment_text !== 'string' || b.comment_text.trim() === '') throw new ApiError(400, 'Comment text required', 'COMM_002');
        if (b.assignee !== undefined) validUsers([b.assignee]);
        const c: FakeComment = { id: String(state.nextId++), task_id: t.id, text: b.comment_text, user_id: 183, date: now, resolved: false };
        state.comments.push(c);
        return { status: 200, json: { id: Number(c.id), hist_id: `hist-${c.id}`, date: c.date } };
      }
    }
    if ((m = /^\/task\/([^/]+)$/.exec(path))) {
      const t = findTask(m[1] ?? '', q);
      if (method === 'GET') {
        const json = taskJson(t, q.get('include_markdown_description') === 'true');
        const subtasks = q.get('include_subtasks') === 'true' ? { subtasks: state.tasks.filter((s) => s.parent === t.id).map((s) => taskJson(s, false)) } : {};
        return { status: 200, json: { ...json, ...subtasks } };
      }
      if (method === 'PUT') {
        const b = objectBody(body);
        if (b.name !== undefined && (typeof b.name !== 'string' || b.name.trim() === '')) throw new ApiError(400, 'Task name invalid', 'INPUT_005');
        if (b.priority !== undefined) validPriority(b.priority);
        if (b.due_date !== undefined) validDate(b.due_date);
        const status = b.status === undefined ? t.status : validStatus(b.status);
        const a = b.assignees as { add?: unknown; rem?: unknown } | undefined;
        const add = a?.add === undefined ? [] : validUsers(a.add);
        const rem = a?.rem === undefined ? [] : validUsers(a.rem);
        if (typeof b.name === 'string') t.name = b.name;
        if (typeof b.description === 'string') t.description = t.markdown_description = b.description;
        if (typeof b.markdown_content === 'string') t.markdown_description = t.description = b.markdown_content;
        if (b.priority !== undefined) t.priority = b.priority as number | null;
        if (b.due_date !== undefined) t.due_date = b.due_date as number | null;
        if (typeof b.archived === 'boolean') t.archived = b.archived;
        t.status = status;
        t.assignees = [...new Set([...t.assignees, ...add])].filter((x) => !rem.includes(x));
        t.date_updated = now;
        return { status: 200, json: taskJson(t, false) };
      }
      if (method === 'DELETE') {
        state.tasks = state.tasks.filter((x) => x !== t);
        state.comments = state.comments.filter((c) => c.task_id !== t.id);
        return { status: 204 };
      }
    }
    throw new ApiError(404, 'Route not found', 'APP_001');
  }

  // ---- the wire ----
  /** ClickUp reports its rate-limit window on every API response. */
  function send(res: ServerResponse, status: number, json?: unknown, extra: Record<string, string> = {}) {
    const rate = { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '99', 'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + 60) };
    res.writeHead(status, { ...rate, ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...extra });
    res.end(json === undefined ? undefined : JSON.stringify(json));
  }

  function authorized(header: string | undefined): ApiError | undefined {
    if (!header) return new ApiError(401, 'Authorization header required', 'OAUTH_017');
    // Personal tokens go bare; only OAuth access tokens carry the Bearer scheme.
    if (header.startsWith('pk_') ? personal.has(header) : header.startsWith('Bearer ') && oauth.has(header.slice(7))) return undefined;
    return new ApiError(401, 'Token invalid', 'OAUTH_025');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let badJson = false;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
        body = raw;
      }
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) query[k] = k.endsWith('[]') ? [...((query[k] as string[] | undefined) ?? []), v] : v;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const path = url.pathname.startsWith(`${BASE}/`) ? url.pathname.slice(BASE.length) : url.pathname;
    requests.push({ method: req.method ?? 'GET', path, query, headers, body, at: Date.now() });

    const f = faults[0];
    if (f) {
      if (--f.left <= 0) faults.shift();
      if (f.fault.status === 429) {
        const reset = Math.ceil(Date.now() / 1000) + (f.fault.resetInSeconds ?? 1);
        return send(res, 429, { err: 'Rate limit reached', ECODE: 'APP_002' }, { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) });
      }
      // Rate-limit headers come on 5xx too: a client must not read their reset as a wait.
      return send(res, f.fault.status, { err: 'Internal server error', ECODE: 'APP_500' });
    }
    try {
      const denied = authorized(req.headers.authorization);
      if (denied) throw denied;
      if (!url.pathname.startsWith(`${BASE}/`)) throw new ApiError(404, 'Route not found', 'APP_001');
      if (raw && (badJson || !(req.headers['content-type'] ?? '').startsWith('application/json'))) {
        throw new ApiError(400, 'Body must be JSON with Content-Type application/json', 'INPUT_001');
      }
      const out = route(req.method ?? 'GET', path, url.searchParams, body);
      send(res, out.status, out.json);
    } catch (e) {
      if (e instanceof ApiError) send(res, e.status, { err: e.err, ECODE: e.ecode });
      else send(res, 500, { err: 'Internal server error', ECODE: 'APP_500' });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${BASE}`,
    requests,
    state,
    inject(fault) {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    revokeToken(token) {
      if (token === undefined) {
        personal.clear();
        oauth.clear();
      } else {
        personal.delete(token);
        oauth.delete(token);
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
