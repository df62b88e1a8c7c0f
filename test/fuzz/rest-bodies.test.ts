import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';

/**
 * Configuration create/update bodies over REST against the built server: arbitrary JSON and
 * mutations of valid bodies. Never a 5xx or a crash; refusals name the field; a refused request
 * leaves the data file and the audit log byte for byte as they were.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const TIMEOUT = 30_000 + RUNS * 30;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Body = Record<string, Json>;

const VALID: Body[] = [
  { personal_connector_id: 'pc_custom_mcp', name: 'Fuzz MCP', configuration: { endpoint: 'https://example.com/mcp', custom_settings: { a: 1 } } },
  {
    personal_connector_id: 'pc_github',
    name: 'Fuzz GitHub',
    configuration: { repository: 'acme/backend', branch: 'main', paths: ['src/', 'docs/'] },
    credentials: { type: 'api_key', api_key: 'ghp_fuzz' },
    metadata: { team: 'core' },
  },
  { personal_connector_id: 'pc_clickup', name: 'Fuzz ClickUp', configuration: { workspace_id: '12345', list_id: '67890', default_priority: 3 }, credentials: { type: 'bearer', token: 't' } },
  {
    personal_connector_id: 'pc_jira',
    name: 'Fuzz Jira',
    configuration: { site_url: 'https://acme.atlassian.net', project_key: 'PROJ', issue_type: 'Task', default_assignee: 'user@example.com' },
    credentials: { type: 'oauth2', access_token: 'a', refresh_token: 'r', expires_at: '2030-12-31T23:59:59Z' },
    description: 'fuzzed',
    enabled: false,
  },
  { personal_connector_id: 'pc_teams', name: 'Fuzz Teams', configuration: { team_id: 'team-abc123', channel_id: 'channel-xyz789' }, credentials: { type: 'bearer', token: 't' } },
];

const FIELDS = ['personal_connector_id', 'name', 'configuration', 'credentials', 'enabled', 'description', 'metadata', 'user_id', 'organization_id', 'api_key_id'];
const NESTED: Record<string, string[]> = {
  configuration: ['endpoint', 'repository', 'branch', 'paths', 'workspace_id', 'default_priority', 'site_url', 'project_key', 'team_id', 'headers', 'timeout_ms', 'api_base_url', 'custom_settings'],
  credentials: ['type', 'api_key', 'token', 'access_token', 'refresh_token', 'expires_at'],
  metadata: ['team', '', 'k'.repeat(41)],
};

function nest(depth: number, leaf: Json, asObject: boolean): Json {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = asObject ? { n: v } : [v];
  return v;
}

/** Values of the wrong shape, boundary lengths, odd unicode (lone surrogates, NUL, RTL, emoji). */
const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom<Json>('', ' ', '\u0000', '\ud800', '\u202e', 'pconf_', '../../etc', '2030-13-45T99:99:99Z', -1, 0, 1e308, 3.5, true, null, [], {}, 'x'.repeat(101), 'x'.repeat(1001)),
  fc.integer({ min: 1, max: 4000 }).chain((d) => fc.boolean().map((o) => nest(d, 'deep', o))),
  fc.integer({ min: 2_000, max: 300_000 }).map((n) => 'h'.repeat(n)),
);

type Mutation =
  | { kind: 'set'; path: string[]; value: Json }
  | { kind: 'delete'; path: string[] }
  | { kind: 'unknown'; path: string[]; key: string; value: Json };

const pathArb: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom(...FIELDS).map((f) => [f]),
  fc.constantFrom(...Object.keys(NESTED)).chain((f) => fc.constantFrom(...(NESTED[f] ?? [])).map((k) => [f, k])),
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: pathArb, value: nastyValue }),
  fc.record({ kind: fc.constant('delete' as const), path: pathArb }),
  fc.record({
    kind: fc.constant('unknown' as const),
    path: fc.constantFrom<string[]>([], ['configuration'], ['credentials']),
    key: fc.string({ minLength: 1, maxLength: 20 }),
    value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  }),
);

function apply(base: Body, mutations: Mutation[]): Body {
  const body = structuredClone(base);
  for (const m of mutations) {
    const path = m.kind === 'unknown' ? [...m.path, m.key] : m.path;
    let node: Json = body;
    for (const p of path.slice(0, -1)) {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) break;
      const next: Json | undefined = node[p];
      if (next === undefined || typeof next !== 'object' || next === null) node[p] = {};
      node = node[p] as Json;
    }
    const last = path[path.length - 1];
    if (last === undefined || typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    if (m.kind === 'delete') delete node[last];
    else node[last] = m.value;
  }
  return body;
}

const createBodyArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json> },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...VALID), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([b, ms]) => apply(b, ms)) },
);

const updateBodyArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json> },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom<Body>({ name: 'Renamed' }, { configuration: { endpoint: 'https://example.org/mcp' } }, { metadata: { team: null } }, { credentials: null }, { description: null }, { enabled: true }),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
      )
      .map(([b, ms]) => apply(b, ms)),
  },
);

let srv: Awaited<ReturnType<typeof startServer>>;
const stats = { requests: 0, accepted: 0, refused: 0 };

beforeAll(async () => {
  srv = await startServer({ principals: 1, settings: { limits: { rate_limit_per_minute: 0 } } });
});
afterAll(async () => {
  await srv?.close();
  console.info(`[fuzz rest] ${stats.requests} requests: ${stats.accepted} accepted, ${stats.refused} refused`);
});

async function snapshot(): Promise<string> {
  const audit = await readFile(`${srv.dataFile}.audit.jsonl`, 'utf8').catch(() => '');
  const journal = await readFile(`${srv.dataFile}.journal`, 'utf8').catch(() => '');
  return (await readFile(srv.dataFile, 'utf8')) + '\u0000' + journal + '\u0000' + audit;
}

/** Sends one body and checks the invariants; returns the response. */
async function probe(method: string, path: string, body: Json, raw = false) {
  const before = await snapshot();
  const r = await api<ApiBody>(srv.url, srv.principals[0]!.secret, method, path, raw ? body : JSON.stringify(body));
  stats.requests++;
  expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
  if (r.status >= 400) {
    stats.refused++;
    expect([400, 403, 404, 409, 413, 422]).toContain(r.status);
    const err = r.json?.error;
    expect(err, r.text.slice(0, 300)).toBeDefined();
    expect(typeof err?.message).toBe('string');
    const isPlainObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    if (isPlainObject && r.status !== 413 && err?.code !== 'invalid_json') {
      // A refusal of a JSON object names the field it is about, and the message says so too.
      expect(err?.param, r.text.slice(0, 300)).toEqual(expect.any(String));
      expect(err?.param).not.toBe('');
      expect(err?.message, r.text.slice(0, 300)).toContain(err?.param);
    }
    expect(await snapshot()).toBe(before);
  } else {
    stats.accepted++;
    expect([200, 201]).toContain(r.status);
  }
  return r;
}

describe('fuzz: configuration bodies over REST', () => {
  it('create: arbitrary and mutated bodies never 5xx, refusals name the field and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(createBodyArb, async (body) => {
        await probe('POST', CONFIGURATIONS, body);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('update: arbitrary and mutated patches never 5xx, refusals name the field and change nothing', async () => {
    const ids: string[] = [];
    for (const b of VALID) {
      const r = await api<ApiBody>(srv.url, srv.principals[0]!.secret, 'POST', CONFIGURATIONS, b);
      expect(r.status, r.text).toBe(201);
      ids.push(r.json!.id!);
    }
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ids), updateBodyArb, async (id, body) => {
        await probe('PATCH', `${CONFIGURATIONS}/${id}`, body);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('bodies that are not JSON, too large or oddly encoded are refused cleanly', async () => {
    const raws = ['', '{', '{"name":', 'null', '[]', '"str"', '\u0000', '{"a":1}{"b":2}', 'x'.repeat(2 * 1024 * 1024), `{"name":"${'\\ud800'}"}`, '\ufeff{}'];
    for (const raw of raws) await probe('POST', CONFIGURATIONS, raw as Json, true);
  });

  it('regressions found by this fuzzer stay fixed', async () => {
    // A Jira site_url that is not a URL made the schema's refinements throw: a 500.
    for (const site_url of ['', 'nope', 'http://']) {
      const r = await probe('POST', CONFIGURATIONS, { ...VALID[3], configuration: { site_url } } as Json);
      expect(r.json?.error?.param).toBe('configuration.site_url');
    }
    // An empty key was reported with an empty param (": unknown field").
    const r = await probe('POST', CONFIGURATIONS, { ...VALID[0], '': '' } as Json);
    expect(r.json?.error?.param).toBe('""');
  });

  it('the server is still alive and answering', async () => {
    expect(srv.child.exitCode).toBeNull();
    const r = await api<ApiBody>(srv.url, srv.principals[0]!.secret, 'GET', `${CONFIGURATIONS}?limit=1`);
    expect(r.status).toBe(200);
    expect(srv.stderr()).not.toMatch(/"level":(50|60)/);
  });
});
