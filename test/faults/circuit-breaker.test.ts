/**
 * The circuit breaker end to end, driven by the fault server: after N consecutive failures calls
 * are skipped without reaching the upstream, with a message that says so; after the cool-down a
 * trial call goes through; a failed trial keeps the configuration skipped (for longer); a
 * successful one brings it back. For the custom MCP connector (lean call path by default) and for
 * a built-in connector (GitHub over the HTTP client with its retries).
 *
 * The breaker's clock is the test's: a cool-down passes when the test moves the clock, never
 * while a slow machine serves a call, so "still open" and "cool-down over" are exact. The tests
 * therefore run one after the other (they share that clock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { connectClient, routeOf } from '../helpers/connector-e2e.js';
import { record } from '../helpers/records.js';
import { countHandles, expectHandlesSettled, type HandleCounts } from '../helpers/handles.js';
import { manualClock } from '../helpers/timing.js';
import { startFaultServer, type FaultRoute, type FaultServer } from './fault-server.js';
import { BUILTINS, callTool } from './support.js';

const clock = manualClock();
const BREAKER = { failureThreshold: 2, coolDownMs: 600, maxCoolDownMs: 3_000, now: clock.now };
/** This file tests the breaker, not deadlines: no call here should end at one. */
const CALL_TIMEOUT_MS = 60_000;
const SKIPPED = /is skipped for \d+ s after \d+ consecutive failures \(last: .+\)\. It is retried automatically after that\./;

type Harness = Awaited<ReturnType<typeof startMcpHarness>>;
let baseline: HandleCounts;
let h: Harness;
let faults: FaultServer;
const clients: Client[] = [];

async function setUp(user: string, connector: string, name: string, configuration: Record<string, unknown>, upstreamTool: string) {
  const r = await h.store.createConfiguration(record({ user_id: user, personal_connector_id: connector, name, configuration }));
  h.credentials.byId.set(r.id, { type: 'bearer', token: 'breaker-suite-token' });
  const client = await connectClient(h.url, user);
  clients.push(client);
  const tool = (await client.listTools()).tools.find((t) => routeOf(t).configuration_id === r.id && routeOf(t).upstream_tool === upstreamTool)?.name;
  expect(tool).toBeDefined();
  return { client, tool: tool ?? '' };
}

beforeAll(async () => {
  baseline = countHandles();
  faults = await startFaultServer();
  h = await startMcpHarness({ breaker: BREAKER, limits: { callTimeoutMs: CALL_TIMEOUT_MS, discoveryTimeoutMs: CALL_TIMEOUT_MS }, http: { retry: { baseDelayMs: 20, maxDelayMs: 100 } } });
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await h?.close();
  await faults?.close();
});

/** Requests the upstream has seen for this route's tool calls. */
type Seen = (r: FaultRoute) => number;

async function tripSkipRecover(opts: { client: Client; tool: string; route: FaultRoute; seen: Seen; failure: RegExp; recovered: RegExp; name: string }) {
  const { client, tool, route, seen } = opts;
  for (let i = 0; i < BREAKER.failureThreshold; i++) {
    const r = await callTool(client, tool);
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(opts.failure);
  }
  // Open: answered by the gateway alone, saying why and for how long.
  const before = seen(route);
  const skipped = await callTool(client, tool);
  expect(skipped.result.isError).toBe(true);
  expect(skipped.text).toContain(`Configuration "${opts.name}"`);
  expect(skipped.text).toMatch(SKIPPED);
  expect(skipped.text).toMatch(opts.failure); // the last failure is quoted
  expect(seen(route)).toBe(before);
  // Just before the cool-down ends it is still skipped.
  clock.advance(BREAKER.coolDownMs - 1);
  expect((await callTool(client, tool)).text).toMatch(SKIPPED);
  expect(seen(route)).toBe(before);

  // Half-open with the upstream still failing: one trial goes through, fails, and the skips resume.
  clock.advance(1);
  const trial = await callTool(client, tool);
  expect(trial.text).toMatch(opts.failure);
  expect(seen(route)).toBeGreaterThan(before);
  const afterTrial = seen(route);
  const again = await callTool(client, tool);
  expect(again.text).toMatch(SKIPPED);
  expect(seen(route)).toBe(afterTrial);

  // The upstream heals; after the (doubled) cool-down the next call reaches it and succeeds.
  route.set(null);
  // The failed trial doubled the cool-down: the single one is not enough any more.
  clock.advance(BREAKER.coolDownMs);
  expect((await callTool(client, tool)).text).toMatch(SKIPPED);
  expect(seen(route)).toBe(afterTrial);
  clock.advance(BREAKER.coolDownMs);
  const healed = await callTool(client, tool);
  expect(healed.result.isError, healed.text).toBeFalsy();
  expect(healed.text).toMatch(opts.recovered);
  expect(seen(route)).toBeGreaterThan(afterTrial);
  // Closed again: the next call goes straight through too.
  expect((await callTool(client, tool)).result.isError).toBeFalsy();
}

describe('circuit breaker with a failing upstream', () => {
  it('custom MCP: 500s trip it, skips reach nothing, a failed trial keeps it open, recovery closes it', async () => {
    const route = faults.route({ fault: 'status_500', mcp: 'call' });
    const { client, tool } = await setUp('usr_cb1', 'pc_custom_mcp', 'Flaky MCP', { endpoint: route.url }, 'probe');
    await tripSkipRecover({ client, tool, route, seen: (r) => r.toolCalls, failure: /answered 500 to tools\/call/, recovered: /^probe ok: probe$/, name: 'Flaky MCP' });
  });

  it('custom MCP: resets trip it the same way', async () => {
    const route = faults.route({ fault: 'reset', mcp: 'call' });
    const { client, tool } = await setUp('usr_cb2', 'pc_custom_mcp', 'Dropping MCP', { endpoint: route.url }, 'probe');
    await tripSkipRecover({ client, tool, route, seen: (r) => r.toolCalls, failure: /could not reach the MCP server|closed/i, recovered: /^probe ok: probe$/, name: 'Dropping MCP' });
  });

  it('GitHub: 502 pages trip it (after the HTTP client’s own retries), skips reach nothing, recovery closes it', async () => {
    const gh = BUILTINS[0];
    if (!gh) throw new Error('no GitHub target');
    const route = faults.route({ fault: 'html_502', ok: gh.ok });
    const { client, tool } = await setUp('usr_cb3', 'pc_github', 'Flaky GitHub', gh.configuration(route.url), 'get_me');
    await tripSkipRecover({ client, tool, route, seen: (r) => r.faulted + r.passed, failure: /GitHub answered 502 Bad Gateway for GET \/r\d+\/user/, recovered: /^Signed in to GitHub as octo/, name: 'Flaky GitHub' });
  });

  it('GitHub: refused credentials never trip it (the service is up; retrying is pointless but harmless)', async () => {
    const gh = BUILTINS[0];
    if (!gh) throw new Error('no GitHub target');
    const route = faults.route({ fault: 'unauthorized', ok: gh.ok });
    const { client, tool } = await setUp('usr_cb4', 'pc_github', 'Revoked GitHub', gh.configuration(route.url), 'get_me');
    for (let i = 0; i < BREAKER.failureThreshold + 2; i++) {
      const r = await callTool(client, tool);
      expect(r.text).toMatch(/answered 401 Unauthorized/);
      expect(r.text).not.toMatch(SKIPPED);
    }
    expect(route.faulted).toBe(BREAKER.failureThreshold + 2);
  });
});

describe('after the breaker tests', () => {
  it('nothing is left open once everything is closed', async () => {
    await expect.poll(() => faults.hanging()).toEqual([]);
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await h.close();
    await faults.close();
    await expect.poll(() => faults.openSockets).toBe(0);
    await expectHandlesSettled(baseline);
  });
});
