import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { createHttpClientFactory } from '../../src/http/factory.js';
import { builtinRegistry } from '../../connectors/index.js';
import { silentLogger } from '../../src/domain/logger.js';
import { startEverything } from '../helpers/everything.js';
import { record, TestCredentials } from '../helpers/records.js';
import { isValidToolName } from '../../src/gateway/naming.js';
import { ROUTE_META_KEY } from '../../src/gateway/tool-table.js';
import { PATIENCE_MS } from '../helpers/timing.js';

describe('gateway over a real upstream MCP server (server-everything)', () => {
  let everything: Awaited<ReturnType<typeof startEverything>>;
  const http = createHttpClientFactory();
  const store = new MemoryStore();
  const credentials = new TestCredentials();
  let gateway: Gateway;

  beforeAll(async () => {
    everything = await startEverything();
    gateway = new Gateway({
      store,
      registry: builtinRegistry(),
      credentials,
      http,
      network: { allowLoopback: true, allowPrivate: false },
      // No deadline a loaded machine could reach: none is under test here.
      limits: { discoveryTimeoutMs: PATIENCE_MS, callTimeoutMs: PATIENCE_MS },
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await gateway.close();
    await http.close();
    await everything.close();
    await store.close();
  });

  it('discovers, namespaces and calls upstream tools; records health', async () => {
    const a = await store.createConfiguration(record({ personal_connector_id: 'pc_custom_mcp', name: 'Everything', configuration: { endpoint: everything.url } }));
    const owner = { organization_id: 'org_test', user_id: 'usr_a' };
    const tools = await gateway.forOwner(owner).listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('everything_echo');
    for (const n of names) expect(isValidToolName(n)).toBe(true);
    const echo = tools.find((t) => t.name === 'everything_echo');
    expect(echo?.description).toMatch(/^\[Everything · Custom MCP server\]/);
    expect(echo?._meta?.[ROUTE_META_KEY]).toMatchObject({ configuration_id: a.id, upstream_tool: 'echo' });

    const result = await gateway.forOwner(owner).callTool('everything_echo', { message: 'hello' }, { signal: new AbortController().signal });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain('hello');

    await gateway.flushHealth();
    const stored = await store.getConfiguration(a.id);
    expect(stored?.health_status).toBe('healthy');
    expect(stored?.last_sync_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('a dead upstream loses only its own tools and is marked unhealthy', async () => {
    const owner = { organization_id: 'org_test', user_id: 'usr_b' };
    const good = await store.createConfiguration(record({ user_id: 'usr_b', personal_connector_id: 'pc_custom_mcp', name: 'Good', configuration: { endpoint: everything.url } }));
    const dead = await store.createConfiguration(record({ user_id: 'usr_b', personal_connector_id: 'pc_custom_mcp', name: 'Dead', configuration: { endpoint: 'http://127.0.0.1:9/mcp' } }));
    const tools = await gateway.forOwner(owner).listTools();
    expect(tools.some((t) => t.name === 'good_echo')).toBe(true);
    expect(tools.some((t) => t.name.startsWith('dead_'))).toBe(false);
    await gateway.flushHealth();
    expect((await store.getConfiguration(good.id))?.health_status).toBe('healthy');
    const d = await store.getConfiguration(dead.id);
    expect(d?.health_status).toBe('unhealthy');
    expect(d?.last_error).toMatch(/could not reach the MCP server/);
  });

  it('notifies listeners when a change affects tools, and only then', async () => {
    const owner = { organization_id: 'org_test', user_id: 'usr_c' };
    const g = gateway.forOwner(owner);
    const c = await store.createConfiguration(record({ user_id: 'usr_c', personal_connector_id: 'pc_custom_mcp', name: 'One', configuration: { endpoint: everything.url } }));
    await g.listTools();
    let changes = 0;
    g.onToolsChanged(() => changes++);
    // A metadata-only save does not change tools.
    await store.updateConfiguration(c.id, (r) => ({ ...r, metadata: { team: 'x' } }));
    await g.listTools();
    expect(changes).toBe(0);
    // Renaming keeps every tool name (the prefix stays with the configuration) but changes what the
    // tools say about it: their descriptions name the configuration.
    await store.updateConfiguration(c.id, (r) => ({ ...r, name: 'Renamed' }));
    await expect.poll(async () => (await g.listTools()).find((t) => t.name === 'one_echo')?.description?.startsWith('[Renamed ·')).toBe(true);
    expect((await g.listTools()).some((t) => t.name.startsWith('renamed_'))).toBe(false);
    expect(changes).toBe(1);
    // Another principal's change sends nothing here.
    await store.createConfiguration(record({ user_id: 'usr_zzz', personal_connector_id: 'pc_custom_mcp', name: 'Other', configuration: { endpoint: everything.url } }));
    await g.listTools();
    expect(changes).toBe(1);
    // Disabling removes the tools.
    await store.updateConfiguration(c.id, (r) => ({ ...r, enabled: false }));
    await expect.poll(async () => (await g.listTools()).length).toBe(0);
    expect(changes).toBe(2);
  });
});

describe('a configuration whose discovery failed', () => {
  it('is retried when its owner saves new credentials, and its tools then appear', async () => {
    const { startUpstream } = await import('../fakes/mcp-upstream.js');
    const up = await startUpstream({ requireBearer: 'right-token' });
    const store = new MemoryStore();
    const http = createHttpClientFactory();
    const credentials = new TestCredentials();
    const gateway = new Gateway({ store, registry: builtinRegistry(), credentials, http, network: { allowLoopback: true, allowPrivate: false }, limits: { discoveryTimeoutMs: PATIENCE_MS, callTimeoutMs: PATIENCE_MS }, log: silentLogger });
    try {
      const c = await store.createConfiguration(record({ user_id: 'usr_r', personal_connector_id: 'pc_custom_mcp', name: 'Locked', configuration: { endpoint: up.url }, credentials_type: 'bearer' }));
      credentials.byId.set(c.id, { type: 'bearer', token: 'wrong-token' });
      const g = gateway.forOwner({ organization_id: 'org_test', user_id: 'usr_r' });
      expect(await g.listTools()).toEqual([]);
      await gateway.flushHealth();
      expect((await store.getConfiguration(c.id))?.health_status).toBe('unhealthy');
      let changes = 0;
      g.onToolsChanged(() => changes++);
      // What the management service does when credentials are replaced: new blob, health reset.
      credentials.byId.set(c.id, { type: 'bearer', token: 'right-token' });
      await store.updateConfiguration(c.id, (r) => ({ ...r, health_status: 'unknown', last_error: undefined }));
      await expect.poll(async () => (await g.listTools()).some((t) => t.name === 'locked_echo')).toBe(true);
      expect(changes).toBe(1);
    } finally {
      await gateway.close();
      await http.close();
      await up.close();
    }
  });
});
