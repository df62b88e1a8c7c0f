/**
 * Every fault × the custom MCP connector, through the gateway. Two moments can go wrong for an MCP
 * upstream: discovery (connect, tools/list) and the call. Call faults are injected only into
 * `tools/call` (initialize and tools/list work), on both of the gateway's call paths: the lean
 * forwarding path (the default) and the SDK path (`leanCalls: false`). Discovery faults break
 * every request of the upstream from the start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Tool } from '@modelcontextprotocol/client';
import type { ConfigurationRecord } from '../../src/domain/configuration.js';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { healthOf, routeOf } from '../helpers/connector-e2e.js';
import { record } from '../helpers/records.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { countHandles, expectHandlesSettled, type HandleCounts } from '../helpers/handles.js';
import { heldDeadlines, PATIENCE_MS, waitFor, type HeldDeadlines } from '../helpers/timing.js';
import { MCP_FAULTS, startFaultServer, type Fault, type FaultRoute, type FaultServer } from './fault-server.js';
import { connectEra, expectCleanFailure, callTool, UNRESOLVABLE_HTTP, UNRESOLVABLE_HTTPS } from './support.js';

/**
 * The discovery deadline under test: the faulty configuration's own timeout_ms (the SDK's connect
 * timeout), for the faults that only a deadline ends; their message names it.
 */
const TIMEOUT_MS = 2_000;
const DEADLINE_FAULTS = new Set<Fault>(['timeout', 'slow_body', 'sse_stall', 'sse_die_mid_event']);
/**
 * A call's deadline under test: the configuration's own timeout_ms, one length per fault so each
 * test fires only its own (heldDeadlines), once the fault server holds the call. Out of reach of
 * the SDK's own request timer, which uses the same value.
 */
const callDeadlineMs = (fault: Fault): number => 30_000 + MCP_FAULTS.indexOf(fault);
/** Every other fault ends by itself; it and every healthy configuration get a deadline no slow machine reaches. */
const LIMITS = { callTimeoutMs: PATIENCE_MS, discoveryTimeoutMs: PATIENCE_MS };
const TOKEN = 'mcp-upstream-secret-token-0000';

const TIMED_OUT = /did not (finish|answer).* within 2000 ms/;
const CLOSED = /could not reach the MCP server at http:\/\/127\.0\.0\.1:\d+\/r\d+\/mcp|closed|terminated/i;
/** A stream that dies mid-event may go unnoticed until the deadline: either is a clear answer. */
const CLOSED_OR_TIMED_OUT = new RegExp(`${CLOSED.source}|${TIMED_OUT.source}`, 'i');
/** The upstream's answer could not be used: wording may vary, the kind must be clear. */
const INVALID = /invalid|malformed|JSON|content.type|too large|larger than|limit/i;

/** How each fault must be reported when it strikes `tools/call`. */
const CALL_EXPECTED: Record<Fault, RegExp> = {
  timeout: TIMED_OUT,
  reset: CLOSED,
  status_500: /the MCP server at \S+ answered 500 to tools\/call/,
  html_502: /the MCP server at \S+ answered 502 to tools\/call/,
  rate_limited_retry_after: /the MCP server at \S+ answered 429 to tools\/call/,
  rate_limited: /the MCP server at \S+ answered 429 to tools\/call/,
  malformed_json: INVALID,
  wrong_content_type: INVALID,
  slow_body: TIMED_OUT,
  huge_body: INVALID,
  huge_body_declared: INVALID,
  die_mid_stream: CLOSED,
  unauthorized: /the MCP server at \S+ answered 401 to tools\/call: check the configuration's credentials/,
  sse_stall: TIMED_OUT,
  sse_die_mid_event: CLOSED_OR_TIMED_OUT,
};

/** The same faults striking discovery (the first request is `initialize` or `server/discover`). */
const DISCOVERY_EXPECTED: Record<Fault, RegExp> = {
  ...CALL_EXPECTED,
  timeout: /did not (finish|answer).* within 2000 ms/,
  status_500: /the MCP server at \S+ answered 500 to connect/,
  html_502: /the MCP server at \S+ answered 502 to connect/,
  rate_limited_retry_after: /the MCP server at \S+ answered 429 to connect/,
  rate_limited: /the MCP server at \S+ answered 429 to connect/,
  unauthorized: /the MCP server at \S+ answered 401 to connect: check the configuration's credentials/,
};
/** Faults in what the upstream sent, not in reaching it: "could not reach" would send people looking in the wrong place. */
const PROTOCOL_FAULTS = new Set<Fault>(['malformed_json', 'wrong_content_type', 'huge_body', 'huge_body_declared']);

type Harness = Awaited<ReturnType<typeof startMcpHarness>>;
type CallPath = 'lean' | 'sdk';
const PATHS: readonly CallPath[] = ['lean', 'sdk'];

interface Principal {
  client: Client;
  tools: Tool[];
  faulty: ConfigurationRecord;
  healthyTool: string;
}

let baseline: HandleCounts;
let h: Harness;
let sdk: Harness;
let faults: FaultServer;
let healthy: Awaited<ReturnType<typeof startUpstream>>;
const clients: Client[] = [];
let seq = 0;
const leanDeadlines = heldDeadlines();
const sdkDeadlines = heldDeadlines();
const callCases = new Map<string, { p: Principal; route: FaultRoute; h: Harness; deadlines: HeldDeadlines }>();
const leanHarness = () => h;
const discoveryCases = new Map<string, { p: Principal; route?: FaultRoute }>();

async function principal(name: string, endpoint: string, timeout_ms: number, path: CallPath = 'lean'): Promise<Principal> {
  const h = path === 'lean' ? leanHarness() : sdk;
  const user = `usr_mf${++seq}`;
  const faulty = await h.store.createConfiguration(record({ user_id: user, personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint, timeout_ms } }));
  h.credentials.byId.set(faulty.id, { type: 'bearer', token: TOKEN });
  const ok = await h.store.createConfiguration(record({ user_id: user, personal_connector_id: 'pc_custom_mcp', name: 'Healthy', configuration: { endpoint: healthy.url } }));
  const client = await connectEra(h.url, user, 'modern');
  clients.push(client);
  const { tools } = await client.listTools();
  const healthyTool = tools.find((t) => routeOf(t).configuration_id === ok.id && routeOf(t).upstream_tool === 'echo')?.name;
  if (!healthyTool) {
    const state = await healthOf(h, ok.id);
    expect.fail(`the healthy configuration beside "${name}" lost its tools: ${state.health_status} ${state.last_error ?? ''}`);
  }
  return { client, tools, faulty, healthyTool: healthyTool ?? '' };
}

function probeTool(p: Principal): string | undefined {
  return p.tools.find((t) => routeOf(t).configuration_id === p.faulty.id && routeOf(t).upstream_tool === 'probe')?.name;
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
  h = await startMcpHarness({ limits: LIMITS, deadlineTimer: leanDeadlines.timer });
  sdk = await startMcpHarness({ limits: LIMITS, leanCalls: false, deadlineTimer: sdkDeadlines.timer });
  for (const path of PATHS) {
    for (const fault of MCP_FAULTS) {
      const route = faults.route({ fault, mcp: 'call' });
      const timeout = DEADLINE_FAULTS.has(fault) ? callDeadlineMs(fault) : PATIENCE_MS;
      callCases.set(`${path} ${fault}`, { p: await principal(`MCP ${fault}`, route.url, timeout, path), route, h: path === 'lean' ? h : sdk, deadlines: path === 'lean' ? leanDeadlines : sdkDeadlines });
    }
  }
  // Discovery faults: every principal lists at once, so the slow ones overlap instead of adding up.
  await Promise.all([
    ...MCP_FAULTS.map(async (fault) => {
      const route = faults.route({ fault, mcp: 'all' });
      discoveryCases.set(fault, { p: await principal(`Broken ${fault}`, route.url, DEADLINE_FAULTS.has(fault) ? TIMEOUT_MS : PATIENCE_MS), route });
    }),
    principal('Broken dns', `${UNRESOLVABLE_HTTPS}/mcp`, PATIENCE_MS).then((p) => discoveryCases.set('dns', { p })),
    principal('Broken http', `${UNRESOLVABLE_HTTP}/mcp`, PATIENCE_MS).then((p) => discoveryCases.set('http', { p })),
  ]);
});

let closed = false;
async function closeAll(): Promise<void> {
  if (closed) return;
  closed = true;
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await h?.close();
  await sdk?.close();
  await healthy?.close();
  await faults?.close();
}
afterAll(closeAll);

describe.each(PATHS)('a fault in tools/call (%s call path)', (path) => {
  it.concurrent.each(MCP_FAULTS.map((f) => [f]))('%s: a clear isError within the deadline; the healthy configuration keeps answering; the next call recovers', async (fault) => {
    const c = callCases.get(`${path} ${fault}`);
    if (!c) throw new Error('case not set up');
    const { p, route, h, deadlines } = c;
    const tool = probeTool(p);
    expect(tool, 'discovery of the faulty configuration succeeded').toBeDefined();

    const pending = callTool(p.client, tool ?? '');
    await expectHealthyAnswers(p, `during ${fault}`);
    let kind = CALL_EXPECTED[fault];
    if (DEADLINE_FAULTS.has(fault)) {
      // The fault server holds the call: now its deadline may end it (a dying stream may end it first).
      await waitFor(() => route.faulted >= 1, `the ${fault} fault to receive the call`);
      deadlines.fire(callDeadlineMs(fault));
      const timedOut = new RegExp(`did not (finish|answer).* within ${callDeadlineMs(fault)} ms`);
      kind = fault === 'sse_die_mid_event' ? new RegExp(`${CLOSED.source}|${timedOut.source}`, 'i') : timedOut;
    }
    const call = await pending;
    expectCleanFailure(call, { configuration: p.faulty.name, kind });
    expect(call.text).not.toContain(TOKEN);
    if (PROTOCOL_FAULTS.has(fault)) expect(call.text).not.toMatch(/could not reach/);
    expect(route.faulted).toBeGreaterThanOrEqual(1);
    await expectHealthyAnswers(p, `after ${fault}`);

    const cfg = await healthOf(h, p.faulty.id);
    if (fault === 'unauthorized') {
      expect(cfg.health_status).toBe('unhealthy');
      expect(cfg.last_error).toMatch(CALL_EXPECTED.unauthorized);
    } else {
      // Call failures other than refused credentials leave the discovery's verdict in place.
      expect(cfg.health_status, cfg.last_error).toBe('healthy');
    }

    // The upstream recovers: the next call goes through (a dropped session is reopened).
    route.set(null);
    const again = await callTool(p.client, tool ?? '');
    expect(again.result.isError, again.text).toBeFalsy();
    expect(again.text).toBe('probe ok: probe');
  });
});

describe('a fault from the first request (discovery)', () => {
  it.concurrent.each(MCP_FAULTS.map((f) => [f]))('%s: listing answers with the healthy tools within the discovery deadline; the configuration is unhealthy and says why', async (fault) => {
    const c = discoveryCases.get(fault);
    if (!c) throw new Error('case not set up');
    const { p } = c;
    expect(probeTool(p)).toBeUndefined();
    const cfg = await healthOf(h, p.faulty.id);
    expect(cfg.health_status).toBe('unhealthy');
    expect(cfg.last_error).toMatch(DISCOVERY_EXPECTED[fault]);
    if (PROTOCOL_FAULTS.has(fault)) expect(cfg.last_error).not.toMatch(/could not reach/);
    expect(cfg.last_error).not.toContain(TOKEN);
    await expectHealthyAnswers(p, `after ${fault}`);
  });

  it.concurrent('a name that does not resolve (https, .invalid): unhealthy, naming the lookup failure', async () => {
    const { p } = discoveryCases.get('dns') ?? {};
    if (!p) throw new Error('case not set up');
    expect(probeTool(p)).toBeUndefined();
    const cfg = await healthOf(h, p.faulty.id);
    expect(cfg.health_status).toBe('unhealthy');
    expect(cfg.last_error).toMatch(/could not reach the MCP server at https:\/\/does-not-exist\.invalid\/mcp .*(ENOTFOUND|EAI_AGAIN)/);
    await expectHealthyAnswers(p, 'after dns');
  });

  it.concurrent('a plain-http endpoint on a name that is not loopback: refused by the network guard before any lookup', async () => {
    const { p } = discoveryCases.get('http') ?? {};
    if (!p) throw new Error('case not set up');
    expect(probeTool(p)).toBeUndefined();
    const cfg = await healthOf(h, p.faulty.id);
    expect(cfg.health_status).toBe('unhealthy');
    expect(cfg.last_error).toMatch(/^configuration\.endpoint: must use https/);
    await expectHealthyAnswers(p, 'after refusal');
  });
});

describe('after the faults', () => {
  it('no exchange with the fault server is left hanging, and nothing is left open once everything is closed', async () => {
    await expect.poll(() => faults.hanging()).toEqual([]);
    await closeAll();
    await expect.poll(() => faults.openSockets).toBe(0);
    await expectHandlesSettled(baseline);
  });
});
