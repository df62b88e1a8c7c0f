import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { startEverything } from '../helpers/everything.js';
import { record } from '../helpers/records.js';

const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const ACCEPT = 'application/json, text/event-stream';

/** The JSON-RPC message of a response, whether sent as JSON or as one SSE event. */
async function message(r: Response): Promise<unknown> {
  const text = await r.text();
  if ((r.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = text.split('\n').find((l) => l.startsWith('data: {'));
    return JSON.parse(data?.slice(6) ?? 'null');
  }
  return JSON.parse(text);
}

async function modernList(url: string, user: string): Promise<unknown> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'list-1', method: 'tools/list', params: { _meta: MODERN_META } }),
  });
  return message(r);
}

async function legacyList(url: string, user: string): Promise<unknown> {
  const headers = { authorization: `Bearer ${user}`, 'content-type': 'application/json', accept: ACCEPT };
  const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) });
  const session = init.headers.get('mcp-session-id') ?? '';
  await init.text();
  const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return message(await fetch(url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }) }));
}

describe('lean tools/list answers exactly what the SDK path answers', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let everything: Awaited<ReturnType<typeof startEverything>>;
  let lean: Awaited<ReturnType<typeof startMcpHarness>>;
  let sdk: Awaited<ReturnType<typeof startMcpHarness>>;

  beforeAll(async () => {
    up = await startUpstream();
    everything = await startEverything();
    lean = await startMcpHarness({ leanCalls: true });
    sdk = await startMcpHarness({ leanCalls: false });
    for (const h of [lean, sdk]) {
      // Same ids and order in both, so the two tables are the same.
      const a = record({ user_id: 'usr_l', personal_connector_id: 'pc_custom_mcp', name: 'Fake', configuration: { endpoint: up.url } });
      const b = record({ user_id: 'usr_l', personal_connector_id: 'pc_custom_mcp', name: 'Everything', configuration: { endpoint: everything.url } });
      await h.store.createConfiguration({ ...a, id: 'pconf_fixedA' });
      await h.store.createConfiguration({ ...b, id: 'pconf_fixedB' });
    }
  });
  afterAll(async () => {
    await lean.close();
    await sdk.close();
    await everything.close();
    await up.close();
  });

  it.each(['modern', 'legacy'] as const)('%s era', async (era) => {
    const list = era === 'modern' ? modernList : legacyList;
    const fromSdk = await list(sdk.url, 'usr_l');
    const fromLean = await list(lean.url, 'usr_l');
    expect((fromSdk as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(10);
    expect(fromLean).toEqual(fromSdk);
  });
});
