import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { api, CONFIGURATIONS, startServer } from '../helpers/server.js';
import { PATIENCE_MS } from '../helpers/timing.js';

/**
 * JSON-RPC to /mcp of the built server: arbitrary JSON, mutations of the exact messages the SDK
 * client sends in both protocol eras, batches, wrong `jsonrpc`, missing ids, huge params and odd
 * headers. Never a 5xx, never a hang, and valid clients of both eras keep working.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const TIMEOUT = 30_000 + RUNS * 40;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Recorded {
  headers: Record<string, string>;
  body: Json;
}

let srv: Awaited<ReturnType<typeof startServer>>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const recorded: Recorded[] = [];
let modern: Client;
let legacy: Client;
let legacySession = '';
const stats = { requests: 0, byStatus: new Map<number, number>() };

/** A fetch that remembers every JSON body the SDK client posts, with its headers. */
function recordingFetch(): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      recorded.push({ headers, body: JSON.parse(init.body) as Json });
    }
    return fetch(url, init);
  };
}

async function connect(mode: 'auto' | 'legacy'): Promise<Client> {
  const client = new Client({ name: 'fuzz', version: '1' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(srv.mcpUrl), {
    fetch: recordingFetch(),
    requestInit: { headers: { Authorization: `Bearer ${srv.principals[0]!.secret}` } },
  });
  await client.connect(transport);
  if (mode === 'legacy') legacySession = transport.sessionId ?? '';
  return client;
}

beforeAll(async () => {
  upstream = await startUpstream({
    tools: [
      { name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
      { name: 'fail', description: 'Returns a tool error', inputSchema: { type: 'object' } },
      { name: 'boom', description: 'Throws a JSON-RPC error', inputSchema: { type: 'object' } },
    ],
  });
  srv = await startServer({ principals: 1, settings: { network: { allow_loopback: true } } });
  const r = await api(srv.url, srv.principals[0]!.secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'Up', configuration: { endpoint: upstream.url } });
  expect(r.status, r.text).toBe(201);
  modern = await connect('auto');
  legacy = await connect('legacy');
  for (const c of [modern, legacy]) {
    await c.listTools();
    await c.callTool({ name: 'up_echo', arguments: { message: 'hi' } });
    await c.callTool({ name: 'up_fail', arguments: {} });
  }
  expect(recorded.length).toBeGreaterThan(4);
});

afterAll(async () => {
  await modern?.close().catch(() => {});
  await legacy?.close().catch(() => {});
  await srv?.close();
  await upstream?.close();
  console.info(`[fuzz mcp] ${stats.requests} requests; statuses ${JSON.stringify([...stats.byStatus.entries()].sort())}`);
});

const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom<Json>(null, '', 0, -1, 1e300, '2.0', '1.0', 2, true, [], {}, '\ud800', 'x'.repeat(70_000)),
  fc.integer({ min: 1, max: 3000 }).map((d) => {
    let v: Json = 'deep';
    for (let i = 0; i < d; i++) v = { a: v };
    return v;
  }),
);

const METHODS = ['initialize', 'tools/list', 'tools/call', 'server/discover', 'ping', 'notifications/initialized', 'notifications/cancelled', 'resources/list', 'prompts/get', 'subscriptions/listen', 'logging/setLevel', 'completion/complete'];

type Mutation = { field: 'jsonrpc' | 'id' | 'method' | 'params' | 'params.name' | 'params.arguments' | 'params._meta' | 'extra'; op: 'set' | 'delete'; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  field: fc.constantFrom('jsonrpc', 'id', 'method', 'params', 'params.name', 'params.arguments', 'params._meta', 'extra'),
  op: fc.constantFrom('set', 'set', 'delete'),
  value: fc.oneof(nasty, fc.constantFrom<Json>(...METHODS), fc.constantFrom<Json>('up_echo', 'up_boom', 'up_nope', '../up_echo')),
});

function mutate(msg: Json, ms: Mutation[]): Json {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return msg;
  const out = structuredClone(msg);
  for (const m of ms) {
    const [head, sub] = m.field.split('.') as [string, string | undefined];
    if (sub === undefined) {
      if (m.op === 'delete') delete out[head];
      else out[head] = m.value;
      continue;
    }
    const params = out.params;
    const p: { [k: string]: Json } = typeof params === 'object' && params !== null && !Array.isArray(params) ? params : {};
    if (m.op === 'delete') delete p[sub];
    else p[sub] = m.value;
    out.params = p;
  }
  return out;
}

interface Probe {
  headers: Record<string, string>;
  body: string;
}

const headerVariant = (base: Record<string, string>): fc.Arbitrary<Record<string, string>> =>
  fc
    .record({
      // Mostly the headers the SDK sent, so most probes get past the transport into the server.
      version: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<string | null>(null, '2025-11-25', '2026-07-28', '1999-01-01', 'garbage') }),
      session: fc.oneof({ weight: 6, arbitrary: fc.constant<'keep'>('keep') }, { weight: 1, arbitrary: fc.constantFrom<'drop' | 'live' | 'random'>('drop', 'live', 'random') }),
      accept: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/event-stream', '*/*') }),
    })
    .map(({ version, session, accept }) => {
      const h: Record<string, string> = { ...base };
      delete h.authorization;
      if (version === null) delete h['mcp-protocol-version'];
      else if (version !== undefined) h['mcp-protocol-version'] = version;
      if (session === 'drop') delete h['mcp-session-id'];
      if (session === 'live' && legacySession) h['mcp-session-id'] = legacySession;
      if (session === 'random') h['mcp-session-id'] = 'f00dcafe-0000-4000-8000-000000000000';
      if (accept !== undefined) h.accept = accept;
      h['content-type'] = 'application/json';
      return h;
    });

const probeArb: fc.Arbitrary<Probe> = fc
  .integer({ min: 0, max: 1_000_000 })
  .chain((i) => {
    const template = recorded[i % recorded.length]!;
    const single = fc.array(mutation, { minLength: 0, maxLength: 3 }).map((ms) => mutate(template.body, ms));
    const body: fc.Arbitrary<Json> = fc.oneof(
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
      { weight: 5, arbitrary: single },
      { weight: 2, arbitrary: fc.array(single, { minLength: 0, maxLength: 5 }) },
    );
    return fc.record({ headers: headerVariant(template.headers), body: body.map((b) => JSON.stringify(b)) });
  });

async function send(p: Probe): Promise<number> {
  const res = await fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { ...p.headers, authorization: `Bearer ${srv.principals[0]!.secret}` },
    body: p.body,
    // Not a timing assertion: a bound so that a hang fails the test instead of stalling CI.
    signal: AbortSignal.timeout(PATIENCE_MS),
  });
  await res.text();
  stats.requests++;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  return res.status;
}

async function stillWorks(): Promise<void> {
  const tools = await modern.listTools();
  expect(tools.tools.map((t) => t.name)).toContain('up_echo');
  const r = await legacy.callTool({ name: 'up_echo', arguments: { message: 'still here' } });
  expect(JSON.stringify(r.content)).toContain('still here');
}

describe('fuzz: JSON-RPC to /mcp', () => {
  it('mutated SDK messages, batches and arbitrary JSON never get a 5xx or hang', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(probeArb, async (p) => {
        const status = await send(p);
        expect(status, p.body.slice(0, 300)).toBeLessThan(500);
        if (++n % 25 === 0) await stillWorks();
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('bodies that are not JSON-RPC at all are refused cleanly', async () => {
    const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const raws = ['', '{', '[', '[]', 'null', '"x"', '{"jsonrpc":"2.0"}', '[{"jsonrpc":"2.0","method":"ping","id":1}', `[${'{"jsonrpc":"2.0","method":"ping","id":1},'.repeat(500)}{}]`];
    for (const body of raws) expect(await send({ headers: base, body })).toBeLessThan(500);
    expect(await send({ headers: { ...base, 'content-type': 'text/plain' }, body: '{}' })).toBe(415);
    expect(await send({ headers: base, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2 * 1024 * 1024) } }) })).toBe(413);
    // Arguments nested 10,000 deep: refused before any recursive encoder sees them.
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const r = await fetch(srv.mcpUrl, {
      method: 'POST',
      headers: { ...base, 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${srv.principals[0]!.secret}` },
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"up_echo","arguments":${deep}}}`,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: number; message: string } }).error).toMatchObject({ code: -32600, message: expect.stringContaining('params.arguments.a.a') });
    await stillWorks();
  });

  it('both eras still answer valid requests, and the server never logged an internal error', async () => {
    await stillWorks();
    const tools = await legacy.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['up_boom', 'up_echo', 'up_fail']);
    expect(srv.child.exitCode).toBeNull();
    expect(srv.stderr()).not.toMatch(/"level":60/);
  });
});
