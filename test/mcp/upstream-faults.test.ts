import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { heldDeadlines, manualClock, waitFor } from '../helpers/timing.js';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { record } from '../helpers/records.js';

/** A configuration's own timeout_ms: out of a loaded machine's reach for the SDK's own timers, fired by hand as the gateway's deadline. */
const OWN_TIMEOUT_MS = 30_000;

async function connect(url: string, user: string) {
  const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${user}` } } }));
  return client;
}

describe.each([true, false])('custom MCP upstream faults through the gateway (lean calls %s)', (leanCalls) => {
  let h: Awaited<ReturnType<typeof startMcpHarness>>;
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let paged: Awaited<ReturnType<typeof startUpstream>>;

  beforeAll(async () => {
    h = await startMcpHarness({ leanCalls });
    up = await startUpstream();
    paged = await startUpstream({
      pageSize: 2,
      tools: ['a', 'b', 'c', 'dup', 'dup', 'e'].map((n) => ({ name: n, inputSchema: { type: 'object' as const } })),
    });
    const a = await h.store.createConfiguration(record({ user_id: 'usr_f', personal_connector_id: 'pc_custom_mcp', name: 'Up', configuration: { endpoint: up.url } }));
    h.credentials.byId.set(a.id, { type: 'bearer', token: 'upstream-secret-token' });
    await h.store.createConfiguration(record({ user_id: 'usr_f', personal_connector_id: 'pc_custom_mcp', name: 'Paged', configuration: { endpoint: paged.url } }));
  });
  afterAll(async () => {
    await h.close();
    await up.close();
    await paged.close();
  });

  it('follows tools/list pagination and keeps duplicate names distinct', async () => {
    const c = await connect(h.url, 'usr_f');
    const names = (await c.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('paged_'));
    expect(names.slice(0, 4)).toEqual(['paged_a', 'paged_b', 'paged_c', 'paged_dup']);
    expect(names).toHaveLength(6);
    expect(new Set(names).size).toBe(6);
    expect(paged.seen.listPages).toBeGreaterThanOrEqual(3);
    await c.close();
  });

  it('sends the configuration’s credentials upstream, never the caller’s token', async () => {
    const c = await connect(h.url, 'usr_f');
    await c.callTool({ name: 'up_echo', arguments: { message: 'hi' } });
    expect(up.seen.authorization.at(-1)).toBe('Bearer upstream-secret-token');
    expect(up.seen.authorization.every((a) => !a.includes('usr_f'))).toBe(true);
    // The fake upstream speaks 2026-07-28 and so does this client: the lean path serves the call.
    expect(h.endpoint.leanCallsServed > 0).toBe(leanCalls);
    await c.close();
  });

  it('passes tool errors through and turns JSON-RPC errors into errors naming the configuration', async () => {
    const c = await connect(h.url, 'usr_f');
    const fail = await c.callTool({ name: 'up_fail', arguments: {} });
    expect(fail.isError).toBe(true);
    expect(JSON.stringify(fail.content)).toContain('failed on purpose');
    const boom = await c.callTool({ name: 'up_boom', arguments: {} }).catch((e: unknown) => e);
    expect(String((boom as Error).message ?? JSON.stringify(boom))).toContain('upstream exploded');
    await c.close();
  });

  it('a client cancellation reaches the upstream', async () => {
    const c = await connect(h.url, 'usr_f');
    const ac = new AbortController();
    const call = c.callTool({ name: 'up_hang', arguments: {} }, { signal: ac.signal }).catch((e: unknown) => e);
    await expect.poll(() => up.seen.calls.includes('hang')).toBe(true);
    ac.abort();
    await call;
    await expect.poll(() => up.seen.cancelled.includes('hang')).toBe(true);
    await c.close();
  });

  it('an upstream that dies mid-call gives an isError result and the next call works', async () => {
    const c = await connect(h.url, 'usr_f');
    const r = await c.callTool({ name: 'up_die', arguments: {} });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/configuration \\?"Up\\?"/i);
    const again = await c.callTool({ name: 'up_echo', arguments: { message: 'back' } });
    expect(JSON.stringify(again.content)).toContain('back');
    await c.close();
  });
});

describe('deadlines', () => {
  it('a hanging upstream returns isError within the configuration’s timeout and is cancelled upstream', async () => {
    // The deadline fires once the upstream holds the call, whatever the machine's speed; its
    // length (the configuration's timeout_ms, not the gateway's default) is in the message.
    const deadlines = heldDeadlines();
    const h = await startMcpHarness({ deadlineTimer: deadlines.timer });
    const up = await startUpstream();
    try {
      await h.store.createConfiguration(record({ user_id: 'usr_t', personal_connector_id: 'pc_custom_mcp', name: 'Slow', configuration: { endpoint: up.url, timeout_ms: OWN_TIMEOUT_MS } }));
      const c = await connect(h.url, 'usr_t');
      const pending = c.callTool({ name: 'slow_hang', arguments: {} });
      await waitFor(() => up.seen.calls.includes('hang'), 'the upstream to receive the call');
      expect(deadlines.fire(OWN_TIMEOUT_MS)).toBe(1);
      const r = await pending;
      expect(r.isError).toBe(true);
      expect(JSON.stringify(r.content)).toMatch(new RegExp(`did not finish within ${OWN_TIMEOUT_MS} ms`));
      await expect.poll(() => up.seen.cancelled.includes('hang')).toBe(true);
      await c.close();
    } finally {
      await h.close();
      await up.close();
    }
  });
});

describe('circuit breaker through the gateway', () => {
  it('skips a dead upstream quickly after repeated failures and recovers by itself', async () => {
    // The breaker's clock is the test's: the cool-down passes when the test says so, not while a busy machine serves a call.
    const clock = manualClock();
    const h = await startMcpHarness({ breaker: { failureThreshold: 2, coolDownMs: 300, maxCoolDownMs: 1000, now: clock.now } });
    const up = await startUpstream();
    try {
      await h.store.createConfiguration(record({ user_id: 'usr_cb', personal_connector_id: 'pc_custom_mcp', name: 'Flaky', configuration: { endpoint: up.url } }));
      const c = await connect(h.url, 'usr_cb');
      expect((await c.callTool({ name: 'flaky_echo', arguments: { message: 'a' } })).isError).toBeFalsy();
      // Two calls that kill the connection mid-call trip the breaker.
      for (let i = 0; i < 2; i++) expect((await c.callTool({ name: 'flaky_die', arguments: {} })).isError).toBe(true);
      const callsBefore = up.seen.calls.length;
      const skipped = await c.callTool({ name: 'flaky_echo', arguments: { message: 'b' } });
      expect(skipped.isError).toBe(true);
      expect(JSON.stringify(skipped.content)).toMatch(/skipped for \d+ s after 2 consecutive failures/);
      expect(up.seen.calls.length).toBe(callsBefore); // nothing reached the upstream
      clock.advance(300);
      const recovered = await c.callTool({ name: 'flaky_echo', arguments: { message: 'c' } });
      expect(JSON.stringify(recovered.content)).toContain('c');
      await c.close();
    } finally {
      await h.close();
      await up.close();
    }
  });
});
