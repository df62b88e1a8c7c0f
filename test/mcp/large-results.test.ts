/**
 * Large tool results through the lean path, whose answers of 64 KiB and more are spliced from the
 * upstream's bytes (src/mcp/json-splice.ts) instead of re-encoded: in both eras the client gets the
 * whole text, the result is still the gateway's (its id, its server identity in 2026-era `_meta`),
 * and a configuration's secret echoed inside a large answer is still masked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { record } from '../helpers/records.js';

const SECRET = 'upstream-secret-token-for-large-results';
type Era = 'legacy' | 'modern';

async function connect(url: string, era: Era) {
  const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: 'Bearer usr_big' } } }));
  return client;
}

describe.each<Era>(['legacy', 'modern'])('large results through the lean path, %s-era client', (era) => {
  let h: Awaited<ReturnType<typeof startMcpHarness>>;
  let up: Awaited<ReturnType<typeof startUpstream>>;

  beforeAll(async () => {
    h = await startMcpHarness();
    up = await startUpstream({
      tools: [
        { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
        { name: 'big', inputSchema: { type: 'object', properties: { bytes: { type: 'number' } } } },
      ],
    });
    const c = await h.store.createConfiguration(record({ user_id: 'usr_big', personal_connector_id: 'pc_custom_mcp', name: 'Up', configuration: { endpoint: up.url } }));
    h.credentials.byId.set(c.id, { type: 'bearer', token: SECRET });
  });
  afterAll(async () => {
    await h.close();
    await up.close();
  });

  it('relays 3 MiB of text whole, as the gateway’s answer', async () => {
    const c = await connect(h.url, era);
    try {
      // The first call of a principal may take the SDK path while the upstream's era is learnt.
      await c.callTool({ name: 'up_echo', arguments: { message: 'warm' } });
      const before = h.endpoint.leanCallsServed;
      const bytes = 3 * 1024 * 1024;
      const r = await c.callTool({ name: 'up_big', arguments: { bytes } });
      expect(h.endpoint.leanCallsServed).toBe(before + 1);
      expect(r.isError).toBeFalsy();
      const first = r.content?.[0];
      expect(first?.type).toBe('text');
      const text = first?.type === 'text' ? first.text : '';
      expect(text).toHaveLength(bytes);
      expect(text.startsWith('lorem ipsum "dolor" sit amet')).toBe(true);
      expect(text.split('\n').length).toBeGreaterThan(1000);
      if (era === 'modern') expect(JSON.stringify(r._meta)).toContain('mcp-connector-gateway');
    } finally {
      await c.close();
    }
  });

  it('masks the configuration’s secret inside a large answer', async () => {
    const c = await connect(h.url, era);
    try {
      const message = `${'x'.repeat(100_000)} ${SECRET} ${'y'.repeat(100_000)}`;
      const r = await c.callTool({ name: 'up_echo', arguments: { message } });
      const text = r.content?.[0]?.type === 'text' ? r.content[0].text : '';
      expect(text.length).toBeGreaterThan(200_000);
      expect(text).not.toContain(SECRET);
      expect(text.startsWith('x'.repeat(100_000))).toBe(true);
    } finally {
      await c.close();
    }
  });
});
