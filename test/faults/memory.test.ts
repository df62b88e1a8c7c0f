/**
 * A 50 MB answer must cost the gateway a bounded amount of memory, whichever connector receives it:
 * the body is refused at the size limit (or at once when Content-Length says so), never buffered
 * whole. Both measures are deterministic, so they hold on a loaded machine: the bytes the gateway
 * pulled off its connections to the upstream (what it can have held at most: the limit plus what
 * a socket reads ahead), and the memory still in use after forced full collections (what it kept).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Tool } from '@modelcontextprotocol/client';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { connectClient, healthOf, routeOf } from '../helpers/connector-e2e.js';
import { record } from '../helpers/records.js';
import { countHandles, expectHandlesSettled, type HandleCounts } from '../helpers/handles.js';
import { countBytesRead, type BytesReadCounter } from '../helpers/bytes-read.js';
import { HUGE_BODY_BYTES, startFaultServer, type FaultRoute, type FaultServer } from './fault-server.js';
import { BUILTINS, callTool, collectAll, collector, MB, memoryInUse } from './support.js';

/** The gateway's limit on one answer (HTTP client and custom MCP messages alike). */
const LIMIT = 10 * MB;
/**
 * What a reader may pull beyond what it looks at before it stops: a few socket reads (64 KB each)
 * and a stream's buffer. Generous, and still far from the 50 MB a buffering reader would take in.
 */
const READ_AHEAD = 4 * MB;
/** Kept after the call, once collected: a leaked body (10 MB at the limit) would not fit. */
const RETAINED_BOUND = 8 * MB;
/** Only the huge bodies are under test: no deadline should end these calls first. */
const CALL_TIMEOUT_MS = 60_000;

type Harness = Awaited<ReturnType<typeof startMcpHarness>>;
let baseline: HandleCounts;
let h: Harness;
let faults: FaultServer;
let client: Client;
let tools: Tool[];
let received: BytesReadCounter;
const gc = collector();
const USER = 'usr_mem1';

interface Target {
  label: string;
  configurationId: string;
  tool: string;
  route: FaultRoute;
}
const targets: Target[] = [];

/** Bytes the gateway read from the upstream while `run` ran, and the memory it kept afterwards. */
async function measured(run: () => Promise<unknown>): Promise<{ read: number; retained: number }> {
  await collectAll(gc);
  const before = memoryInUse();
  const readBefore = received.total();
  await run();
  const read = received.total() - readBefore;
  await collectAll(gc);
  return { read, retained: memoryInUse() - before };
}

beforeAll(async () => {
  baseline = countHandles();
  faults = await startFaultServer();
  received = countBytesRead(Number(new URL(faults.origin).port));
  h = await startMcpHarness({ limits: { callTimeoutMs: CALL_TIMEOUT_MS, discoveryTimeoutMs: CALL_TIMEOUT_MS }, http: { retry: { baseDelayMs: 20, maxDelayMs: 100 } } });
  for (const declared of [false, true]) {
    const fault = declared ? 'huge_body_declared' : 'huge_body';
    for (const b of BUILTINS) {
      const route = faults.route({ fault });
      const r = await h.store.createConfiguration(record({ user_id: USER, personal_connector_id: b.connector, name: `${b.display} ${fault}`, configuration: b.configuration(route.url) }));
      h.credentials.byId.set(r.id, b.credentials);
      targets.push({ label: `${b.display} ${fault}`, configurationId: r.id, tool: b.tool, route });
    }
    const route = faults.route({ fault, mcp: 'call' });
    const r = await h.store.createConfiguration(record({ user_id: USER, personal_connector_id: 'pc_custom_mcp', name: `MCP ${fault}`, configuration: { endpoint: route.url, timeout_ms: CALL_TIMEOUT_MS } }));
    targets.push({ label: `Custom MCP ${fault}`, configurationId: r.id, tool: 'probe', route });
  }
  // A healthy configuration, called once first, so the first measurement does not pay for warm-up.
  const warm = faults.route({ fault: null, ok: BUILTINS[0]?.ok });
  const w = await h.store.createConfiguration(record({ user_id: USER, personal_connector_id: 'pc_github', name: 'Warm up', configuration: { api_base_url: warm.url } }));
  h.credentials.byId.set(w.id, { type: 'bearer', token: 'warm-up-token' });
  client = await connectClient(h.url, USER);
  tools = (await client.listTools()).tools;
  const warmTool = tools.find((x) => routeOf(x).configuration_id === w.id && routeOf(x).upstream_tool === 'get_me')?.name ?? '';
  for (let i = 0; i < 3; i++) expect((await callTool(client, warmTool)).result.isError).toBeFalsy();
});

afterAll(async () => {
  received?.stop();
  await client?.close().catch(() => {});
  await h?.close();
  await faults?.close();
});

describe('a 50 MB answer to a tool call', () => {
  it.each(['GitHub', 'ClickUp', 'Jira', 'Microsoft Teams', 'Custom MCP'].flatMap((c) => [[`${c} huge_body`], [`${c} huge_body_declared`]]))(
    '%s: refused without buffering it',
    async (label) => {
      const t = targets.find((x) => x.label === label);
      if (!t) throw new Error(`no target ${label}`);
      const name = tools.find((x) => routeOf(x).configuration_id === t.configurationId && routeOf(x).upstream_tool === t.tool)?.name;
      expect(name, 'tool discovered').toBeDefined();
      const sentBefore = faults.hugeBytesSent;
      const m = await measured(async () => {
        const r = await callTool(client, name ?? '');
        expect(r.result.isError, r.text).toBe(true);
        expect(r.text).toMatch(/larger than|too large|limit|invalid/i);
      });
      const sent = faults.hugeBytesSent - sentBefore;
      expect(t.route.faulted).toBeGreaterThanOrEqual(1);
      // Declared too large: refused on the headers, before the body is read.
      const readBound = label.endsWith('_declared') ? READ_AHEAD : LIMIT + READ_AHEAD;
      expect(m.read, `bytes the gateway read: ${(m.read / MB).toFixed(1)} MB`).toBeLessThan(readBound);
      expect(m.read, 'the answer reached the gateway').toBeGreaterThan(0);
      expect(m.retained, `retained ${(m.retained / MB).toFixed(1)} MB`).toBeLessThan(RETAINED_BOUND);
      // The reader hangs up early: the server never gets to write the whole body.
      expect(sent, `bytes the server wrote`).toBeLessThan(HUGE_BODY_BYTES);
    },
  );

  it('a 50 MB answer during discovery (custom MCP): refused without buffering it', async () => {
    const route = faults.route({ fault: 'huge_body', mcp: 'all' });
    const user = 'usr_mem2';
    const r = await h.store.createConfiguration(record({ user_id: user, personal_connector_id: 'pc_custom_mcp', name: 'MCP huge discovery', configuration: { endpoint: route.url } }));
    const c = await connectClient(h.url, user);
    try {
      const sentBefore = faults.hugeBytesSent;
      const m = await measured(() => c.listTools());
      const sent = faults.hugeBytesSent - sentBefore;
      const cfg = await healthOf(h, r.id);
      expect(cfg.health_status).toBe('unhealthy');
      expect(m.read, `bytes the gateway read: ${(m.read / MB).toFixed(1)} MB`).toBeLessThan(LIMIT + READ_AHEAD);
      expect(m.read, 'the answer reached the gateway').toBeGreaterThan(0);
      expect(m.retained, `retained ${(m.retained / MB).toFixed(1)} MB`).toBeLessThan(RETAINED_BOUND);
      expect(sent).toBeLessThan(HUGE_BODY_BYTES);
    } finally {
      await c.close();
    }
  });
});

describe('after the huge bodies', () => {
  it('nothing is left open once everything is closed', async () => {
    await expect.poll(() => faults.hanging()).toEqual([]);
    await client.close();
    await h.close();
    await faults.close();
    await expect.poll(() => faults.openSockets).toBe(0);
    await expectHandlesSettled(baseline);
  });
});
