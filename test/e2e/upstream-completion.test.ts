/**
 * `completion/complete` through the built server (HTTP and stdio), from clients of both eras to real
 * SDK upstreams of both eras: a prompt's gateway name and a mapped resource template reach the
 * configuration that offers them under the upstream's own name and URI, and the answer comes back
 * as the upstream gave it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { cliJson, tempEnv } from '../helpers/cli.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';
import { CLIENT_ERAS, connectHttp, connectStdio, type ClientEra } from './gateway-clients.js';

const UPSTREAM_ERAS = ['legacy', 'modern'] as const;
const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo';

describe('completion/complete of custom MCP servers', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const upstreams = new Map<UpstreamEra, Awaited<ReturnType<typeof startSdkUpstream>>>();
  const ids = new Map<UpstreamEra, string>();
  const stdioIds = new Map<UpstreamEra, string>();
  const stdioEnv = tempEnv();
  let secret: string;

  beforeAll(async () => {
    for (const era of UPSTREAM_ERAS) upstreams.set(era, await startSdkUpstream(era));
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
    secret = srv.principals[0]!.secret;
    for (const era of UPSTREAM_ERAS) {
      const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: `up ${era}`, configuration: { endpoint: upstreams.get(era)!.url } });
      expect(created.status, created.text).toBe(201);
      ids.set(era, created.json!.id!);
      const local = await cliJson<{ id: string }>(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', `up ${era}`, '--config', JSON.stringify({ endpoint: upstreams.get(era)!.url })], stdioEnv);
      stdioIds.set(era, local.id);
    }
  });
  afterAll(async () => {
    await srv?.close();
    for (const u of upstreams.values()) await u.close();
  });

  /** Both references, against both upstreams, as one client sees them. */
  async function completesThrough(client: Client, configurationIds: Map<UpstreamEra, string>) {
    expect(client.getServerCapabilities()?.completions).toEqual({});
    for (const era of UPSTREAM_ERAS) {
      const up = upstreams.get(era)!;
      const prompt = await client.complete({ ref: { type: 'ref/prompt', name: `up_${era}_greet` }, argument: { name: 'name', value: 'A' } });
      expect(prompt.completion).toEqual({ values: ['Ada', 'Alan'], total: 2, hasMore: false });
      const asked = up.seen.completions.at(-1)!;
      expect(asked.ref).toEqual({ type: 'ref/prompt', name: 'greet' });
      expect(asked.argument).toEqual({ name: 'name', value: 'A' });
      // The client's envelope stays at the gateway: a 2026 upstream hears the gateway's own.
      expect((asked._meta?.[CLIENT_INFO_META] as { name?: string } | undefined)?.name ?? 'none').not.toBe('gateway-e2e');

      const template = `connector-gateway://${configurationIds.get(era)}/test://items/{id}`;
      const resource = await client.complete({ ref: { type: 'ref/resource', uri: template }, argument: { name: 'id', value: '4' }, context: { arguments: { other: 'x' } } });
      expect(resource.completion).toEqual({ values: ['42'], total: 1, hasMore: false });
      expect(up.seen.completions.at(-1)).toMatchObject({ ref: { type: 'ref/resource', uri: 'test://items/{id}' }, argument: { name: 'id', value: '4' }, context: { arguments: { other: 'x' } } });
    }
  }

  it.each(CLIENT_ERAS)('a %s client over HTTP completes prompt and template arguments under the gateway’s names', async (clientEra: ClientEra) => {
    const client = await connectHttp(srv.mcpUrl, secret, clientEra);
    try {
      await completesThrough(client, ids);
      // A prompt or URI the principal does not have reaches no upstream.
      const asked = UPSTREAM_ERAS.map((e) => upstreams.get(e)!.seen.completions.length);
      for (const ref of [{ type: 'ref/prompt' as const, name: 'up_modern_nope' }, { type: 'ref/resource' as const, uri: 'connector-gateway://pconf_someone_else/test://items/{id}' }]) {
        const e = await client.complete({ ref, argument: { name: 'id', value: '' } }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(ProtocolError);
        expect([-32602, -32002]).toContain((e as ProtocolError).code);
      }
      expect(UPSTREAM_ERAS.map((e) => upstreams.get(e)!.seen.completions.length)).toEqual(asked);
    } finally {
      await client.close();
    }
  });

  it.each(CLIENT_ERAS)('a %s client over stdio completes them too', async (clientEra: ClientEra) => {
    const client = await connectStdio(stdioEnv, clientEra);
    try {
      await completesThrough(client, stdioIds);
    } finally {
      await client.close();
    }
  });
});
