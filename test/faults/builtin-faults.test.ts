/**
 * Every fault × every built-in connector (GitHub, ClickUp, Jira, Teams), through the gateway: an
 * MCP client calls a read tool whose `api_base_url` points at a misbehaving loopback server. Each
 * call must end as a clear isError within its deadline, naming the configuration and the kind of
 * failure, without a secret; health is recorded where the gateway records it; the principal's
 * healthy configuration answers during and after; nothing is left open afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Tool } from '@modelcontextprotocol/client';
import type { ConfigurationRecord } from '../../src/domain/configuration.js';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { connectClient, healthOf, routeOf } from '../helpers/connector-e2e.js';
import { record } from '../helpers/records.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { countHandles, expectHandlesSettled, type HandleCounts } from '../helpers/handles.js';
import { heldDeadlines, PATIENCE_MS, waitFor, type HeldDeadlines } from '../helpers/timing.js';
import { FAULTS, startFaultServer, type HttpFault, type FaultRoute, type FaultServer } from './fault-server.js';
import { BUILTINS, expectCleanFailure, localResolver, callTool, UNRESOLVABLE_HTTP, UNRESOLVABLE_HTTPS, type BuiltinTarget } from './support.js';

/**
 * The deadline under test, for the faults that only a deadline ends (an upstream that never
 * answers, or never finishes its body): their message names it, which nothing else produces. It
 * is held (heldDeadlines) and fired once every connector's request has reached the fault server,
 * so it never ends a call that a loaded machine had not sent yet.
 */
const CALL_TIMEOUT_MS = 3_000;
const DEADLINE_FAULTS = new Set<HttpFault>(['timeout', 'slow_body']);
/**
 * Every other fault ends by itself (an answer, a reset, a size limit): its calls, and every healthy
 * call, get a deadline that no slow machine reaches, so the fault's own message is what comes back.
 */
const PATIENT = { callTimeoutMs: PATIENCE_MS, discoveryTimeoutMs: PATIENCE_MS };
const MAX_BYTES = 10 * 1024 * 1024;

/** What each fault must be reported as, whatever the connector. */
const EXPECTED: Record<HttpFault, RegExp> = {
  timeout: /did not finish within 3000 ms/,
  reset: /closed the connection for GET \/r\d+\//,
  status_500: /answered 500 Internal Server Error for GET \/r\d+\/\S+: Internal failure injected/,
  html_502: /answered 502 Bad Gateway for GET \/r\d+\/\S+: 502 Bad Gateway$/,
  rate_limited_retry_after: /answered 429 Too Many Requests for GET \/r\d+\/\S+: API rate limit exceeded \(retry in 120 s\)/,
  rate_limited: /answered 429 Too Many Requests for GET \/r\d+\/\S+: API rate limit exceeded/,
  malformed_json: /answered 200 for GET \/r\d+\/\S+ with malformed JSON/,
  wrong_content_type: /answered 200 for GET \/r\d+\/\S+ with content-type text\/html instead of JSON: Sign in to continue/,
  slow_body: /did not finish within 3000 ms/,
  huge_body: new RegExp(`answered 200 for GET /r\\d+/\\S+ with a body larger than the limit of ${MAX_BYTES} bytes`),
  huge_body_declared: new RegExp(`answered 200 for GET /r\\d+/\\S+ with a body larger than the limit of ${MAX_BYTES} bytes`),
  die_mid_stream: /closed the connection for GET \/r\d+\//,
  unauthorized: /answered 401 Unauthorized for GET \/r\d+\/\S+: Bad credentials/,
};

type Harness = Awaited<ReturnType<typeof startMcpHarness>>;
const harnessFor = (fault: HttpFault): Harness => timed.get(fault)?.h ?? h;

interface Principal {
  user: string;
  client: Client;
  tools: Tool[];
  healthyTool: string;
  faulty: Map<string, ConfigurationRecord>; // connector id → configuration
}

let baseline: HandleCounts;
/** One per deadline fault (CALL_TIMEOUT_MS, held), so firing one fault's deadlines leaves the other's alone. */
const timed = new Map<HttpFault, { h: Harness; deadlines: HeldDeadlines }>();
/** Everything else (PATIENT). */
let h: Harness;
let faults: FaultServer;
let healthy: Awaited<ReturnType<typeof startUpstream>>;
const clients: Client[] = [];
let userSeq = 0;
/** Principals are set up before any fault fires: listing tools (and the client compiling their schemas) is not what is under test. */
const principals = new Map<string, Principal>();
const routesByFault = new Map<HttpFault, Map<string, FaultRoute>>();

/** One principal: a faulty configuration per built-in connector (from `baseUrl`) and a healthy MCP one. */
async function principal(label: string, baseUrl: (b: BuiltinTarget) => string, h: Harness): Promise<Principal> {
  const user = `usr_bf${++userSeq}`;
  const faulty = new Map<string, ConfigurationRecord>();
  for (const b of BUILTINS) {
    const r = await h.store.createConfiguration(record({ user_id: user, personal_connector_id: b.connector, name: `${b.display} ${label}`, configuration: b.configuration(baseUrl(b)) }));
    h.credentials.byId.set(r.id, b.credentials);
    faulty.set(b.connector, r);
  }
  // Its own timeout_ms: the healthy configuration never shares the short deadline of the faulty ones.
  const ok = await h.store.createConfiguration(record({ user_id: user, personal_connector_id: 'pc_custom_mcp', name: 'Healthy', configuration: { endpoint: healthy.url, timeout_ms: PATIENCE_MS } }));
  const client = await connectClient(h.url, user);
  clients.push(client);
  const { tools } = await client.listTools();
  const healthyTool = tools.find((t) => routeOf(t).configuration_id === ok.id && routeOf(t).upstream_tool === 'echo')?.name;
  expect(healthyTool).toBeDefined();
  return { user, client, tools, healthyTool: healthyTool ?? '', faulty };
}

function toolFor(p: Principal, b: BuiltinTarget): string | undefined {
  const id = p.faulty.get(b.connector)?.id;
  return p.tools.find((t) => routeOf(t).configuration_id === id && routeOf(t).upstream_tool === b.tool)?.name;
}

async function expectHealthyAnswers(p: Principal, message: string): Promise<void> {
  const r = await callTool(p.client, p.healthyTool, { message });
  expect(r.result.isError, r.text).toBeFalsy();
  expect(r.text).toBe(message);
}

beforeAll(async () => {
  baseline = countHandles();
  faults = await startFaultServer();
  healthy = await startUpstream();
  // Short backoff so retried faults (5xx, 429, resets) end soon in their own message.
  const http = { retry: { baseDelayMs: 20, maxDelayMs: 100 }, resolver: localResolver };
  for (const fault of DEADLINE_FAULTS) {
    const deadlines = heldDeadlines();
    timed.set(fault, { deadlines, h: await startMcpHarness({ limits: { callTimeoutMs: CALL_TIMEOUT_MS, discoveryTimeoutMs: PATIENCE_MS }, http, deadlineTimer: deadlines.timer }) });
  }
  h = await startMcpHarness({ limits: PATIENT, http });
  for (const fault of FAULTS) {
    const routes = new Map(BUILTINS.map((b) => [b.connector, faults.route({ fault })]));
    routesByFault.set(fault, routes);
    principals.set(fault, await principal(fault, (b) => routes.get(b.connector)?.url ?? '', harnessFor(fault)));
  }
  principals.set('unresolvable', await principal('unresolvable', () => UNRESOLVABLE_HTTPS, h));
  principals.set('plain http', await principal('plain http', () => UNRESOLVABLE_HTTP, h));
});

let closed = false;
async function closeAll(): Promise<void> {
  if (closed) return;
  closed = true;
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await h?.close();
  for (const t of timed.values()) await t.h.close();
  await healthy?.close();
  await faults?.close();
}
afterAll(closeAll);

describe('built-in connectors against a misbehaving service', () => {
  it.concurrent.each(FAULTS.map((f) => [f]))('%s: every connector fails cleanly within its deadline; the healthy configuration keeps answering', async (fault) => {
    const routes = routesByFault.get(fault) ?? new Map<string, FaultRoute>();
    const p = principals.get(fault) as Principal;
    const pending = BUILTINS.map(async (b) => {
      const name = toolFor(p, b);
      expect(name, `${b.display} tool`).toBeDefined();
      return { b, call: await callTool(p.client, name ?? '', b.args) };
    });
    // While four calls are stuck on the fault, the healthy configuration of the same principal answers.
    await expectHealthyAnswers(p, `during ${fault}`);
    const held = timed.get(fault)?.deadlines;
    if (held) {
      await waitFor(() => BUILTINS.every((b) => (routes.get(b.connector)?.faulted ?? 0) >= 1), `every connector's request to reach the ${fault} fault`);
      expect(held.fire(CALL_TIMEOUT_MS)).toBe(BUILTINS.length);
    }
    const done = await Promise.all(pending);
    for (const { b, call } of done) {
      const cfg = p.faulty.get(b.connector);
      expectCleanFailure(call, { configuration: cfg?.name ?? '', kind: EXPECTED[fault] });
      expect(call.text).toContain(b.display);
      expect(routes.get(b.connector)?.faulted, b.display).toBeGreaterThanOrEqual(1);
    }
    await expectHealthyAnswers(p, `after ${fault}`);

    // Listing a static catalog says nothing about the service, and no call succeeded: health stays
    // unknown; only refused credentials mark a configuration unhealthy.
    for (const b of BUILTINS) {
      const cfg = await healthOf(harnessFor(fault), p.faulty.get(b.connector)?.id ?? '');
      if (fault === 'unauthorized') {
        expect(cfg.health_status, b.display).toBe('unhealthy');
        expect(cfg.last_error).toMatch(EXPECTED.unauthorized);
      } else {
        expect(cfg.health_status, `${b.display}: ${cfg.last_error ?? ''}`).toBe('unknown');
        expect(cfg.last_error).toBeUndefined();
      }
    }
  });

  it.concurrent('a name that does not resolve (https, .invalid): a network failure naming the host, no request anywhere', async () => {
    const p = principals.get('unresolvable') as Principal;
    const calls = await Promise.all(BUILTINS.map(async (b) => ({ b, call: await callTool(p.client, toolFor(p, b) ?? '', b.args) })));
    for (const { b, call } of calls) {
      expectCleanFailure(call, { configuration: p.faulty.get(b.connector)?.name ?? '', kind: /could not resolve does-not-exist\.invalid for GET \// });
    }
    await expectHealthyAnswers(p, 'after dns');
  });

  it.concurrent('a plain-http base URL on a name that is not loopback: refused by the network guard at discovery, its tools absent, health left to checks and calls', async () => {
    const p = principals.get('plain http') as Principal;
    for (const b of BUILTINS) {
      // The session cannot open, so the configuration contributes no tools at all.
      expect(toolFor(p, b), b.display).toBeUndefined();
      // Discovery of a static catalog writes no health, so two processes with different network
      // settings cannot flip it; `configs test` reports the refusal.
      const cfg = await healthOf(h, p.faulty.get(b.connector)?.id ?? '');
      expect(cfg.health_status).toBe('unknown');
      expect(cfg.last_error).toBeUndefined();
    }
    await expectHealthyAnswers(p, 'after refusal');
  });
});

describe('after the faults', () => {
  it('every connection to the fault server is gone and nothing is left open once everything is closed', async () => {
    // Calls that hit the deadline abort their request: no trickling or hanging upstream exchange survives.
    await expect.poll(() => faults.hanging()).toEqual([]);
    await closeAll();
    await expect.poll(() => faults.openSockets).toBe(0);
    await expectHandlesSettled(baseline);
  });
});
