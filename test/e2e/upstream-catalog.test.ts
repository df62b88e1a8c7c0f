/**
 * Prompts and resources of custom MCP servers, through the built server, from real SDK upstreams
 * of both eras to clients of both eras: prompts prefixed like tools, resource URIs mapped
 * reversibly per configuration, the upstream's errors passed through, its list_changed passed on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';
import { waitFor } from '../helpers/timing.js';

type ClientEra = 'legacy' | 'modern';
const ERAS = ['legacy', 'modern'] as const;

async function connect(url: string, secret: string, era: ClientEra) {
  const client = new Client({ name: 'catalog-test', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  const heard = { prompts: 0, resources: 0 };
  client.setNotificationHandler('notifications/prompts/list_changed', () => void heard.prompts++);
  client.setNotificationHandler('notifications/resources/list_changed', () => void heard.resources++);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  if (era === 'modern') await client.listen({ promptsListChanged: true, resourcesListChanged: true });
  return { client, heard };
}

async function protocolErrorOf(p: Promise<unknown>): Promise<ProtocolError> {
  const e = await p.then(
    (v) => v,
    (err: unknown) => err,
  );
  expect(e, JSON.stringify(e)).toBeInstanceOf(ProtocolError);
  return e as ProtocolError;
}

describe('prompts and resources of custom MCP servers', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const upstreams = new Map<UpstreamEra, Awaited<ReturnType<typeof startSdkUpstream>>>();
  const ids = new Map<UpstreamEra, string>();
  let secret: string;

  beforeAll(async () => {
    for (const era of ERAS) upstreams.set(era, await startSdkUpstream(era));
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
    secret = srv.principals[0]!.secret;
    for (const era of ERAS) {
      const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: `up ${era}`, configuration: { endpoint: upstreams.get(era)!.url } });
      expect(created.status, created.text).toBe(201);
      ids.set(era, created.json!.id!);
    }
  });
  afterAll(async () => {
    await srv?.close();
    for (const u of upstreams.values()) await u.close();
  });

  it.each(ERAS)('a %s client lists both upstreams’ prompts, prefixed per configuration, and gets them', async (clientEra) => {
    const { client } = await connect(srv.mcpUrl, secret, clientEra);
    try {
      const prompts = (await client.listPrompts()).prompts;
      expect(prompts.map((p) => p.name)).toEqual(['up_legacy_greet', 'up_modern_greet']);
      expect(prompts[0]!.arguments).toEqual([{ name: 'name', required: true }]);
      expect(prompts[1]!._meta?.['mcp-connector-gateway/route']).toMatchObject({ configuration_id: ids.get('modern'), upstream_prompt: 'greet' });
      for (const era of ERAS) {
        const got = await client.getPrompt({ name: `up_${era}_greet`, arguments: { name: 'Ada' } });
        expect(got.messages[0]!.content).toEqual({ type: 'text', text: 'Hello Ada' });
        // An embedded resource points into the client's namespace, readable through the gateway.
        const embedded = got.messages[1]!.content;
        expect(embedded.type).toBe('resource');
        const uri = embedded.type === 'resource' ? embedded.resource.uri : '';
        expect(uri).toBe(`connector-gateway://${ids.get(era)}/test://static/a`);
        expect((await client.readResource({ uri })).contents[0]).toMatchObject({ uri, text: 'A' });
      }
      const unknown = await protocolErrorOf(client.getPrompt({ name: 'up_modern_nope' }));
      expect(unknown.code).toBe(-32602);
      expect(unknown.message).toContain('Unknown prompt: up_modern_nope');
    } finally {
      await client.close();
    }
  });

  it.each(ERAS)('a %s client lists resources and templates with reversible URIs and reads them', async (clientEra) => {
    const { client } = await connect(srv.mcpUrl, secret, clientEra);
    try {
      const resources = (await client.listResources()).resources;
      expect(resources.map((r) => r.uri)).toEqual(ERAS.map((e) => `connector-gateway://${ids.get(e)}/test://static/a`));
      expect(resources[0]).toMatchObject({ name: 'a', mimeType: 'text/plain' });
      const templates = (await client.listResourceTemplates()).resourceTemplates;
      expect(templates.map((t) => t.uriTemplate)).toEqual(ERAS.map((e) => `connector-gateway://${ids.get(e)}/test://items/{id}`));
      for (const era of ERAS) {
        // The client expands the template as given; the gateway maps the result back to the upstream's URI.
        const uri = `connector-gateway://${ids.get(era)}/test://items/7`;
        const read = await client.readResource({ uri });
        expect(read.contents).toEqual([{ uri, text: 'item 7' }]);
        // The upstream's own "not found" passes through.
        const missing = await protocolErrorOf(client.readResource({ uri: `connector-gateway://${ids.get(era)}/test://nowhere` }));
        expect([-32602, -32002]).toContain(missing.code);
        expect(missing.message).toContain('test://nowhere');
      }
      // A URI naming no configuration of this principal, or not ours at all, is not found, and reaches no upstream.
      for (const uri of ['connector-gateway://pconf_someone_else/test://static/a', 'test://static/a']) {
        const e = await protocolErrorOf(client.readResource({ uri }));
        expect([-32602, -32002]).toContain(e.code);
      }
    } finally {
      await client.close();
    }
  });

  it.each(ERAS)('a %s upstream’s prompts and resources list_changed reach open sessions of both eras', async (upstreamEra) => {
    const up = upstreams.get(upstreamEra)!;
    const legacy = await connect(srv.mcpUrl, secret, 'legacy');
    const modern = await connect(srv.mcpUrl, secret, 'modern');
    try {
      await legacy.client.listPrompts();
      await waitFor(() => (upstreamEra === 'legacy' ? up.seen.gets > 0 : up.seen.methods.includes('subscriptions/listen')), 'the gateway to listen upstream');
      for (const kind of ['prompts', 'resources'] as const) {
        await waitFor(() => {
          if (legacy.heard[kind] > 0 && modern.heard[kind] > 0) return true;
          up.announce(kind);
          return false;
        }, `${kind}/list_changed to reach both sessions`);
      }
    } finally {
      await legacy.client.close();
      await modern.client.close();
    }
  });
});
