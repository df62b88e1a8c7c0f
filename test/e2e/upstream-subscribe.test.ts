/**
 * Resource subscriptions through the built server (HTTP and stdio), from clients of both eras to
 * real SDK upstreams of both eras: a 2025 client's `resources/subscribe` and a 2026 client's
 * `subscriptions/listen` name the gateway's URIs; the upstream is subscribed to its own URI on that
 * configuration (a 2025 session's `resources/subscribe`, a 2026 server's listen stream); its
 * `notifications/resources/updated` reaches exactly the connections that asked, under the gateway's
 * URI, never another session or another principal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { cliJson, tempEnv } from '../helpers/cli.js';
import { waitFor } from '../helpers/timing.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';
import { CLIENT_ERAS, connectHttp, connectStdio, type ClientEra } from './gateway-clients.js';

const UPSTREAM_ERAS = ['legacy', 'modern'] as const;
const A = 'test://static/a';
const ITEM = 'test://items/1';

type Upstream = Awaited<ReturnType<typeof startSdkUpstream>>;

/** A client that records the resource updates it hears. */
function hearing(): { updates: string[]; setup: (c: Client) => void } {
  const updates: string[] = [];
  return { updates, setup: (c) => c.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri)) };
}

/** Subscribes the way the client's era does; returns how to stop. */
async function subscribe(client: Client, era: ClientEra, uris: string[]): Promise<() => Promise<void>> {
  if (era === 'modern') {
    const subscription = await client.listen({ resourceSubscriptions: uris });
    expect(subscription.honoredFilter.resourceSubscriptions).toEqual(uris);
    return () => subscription.close();
  }
  for (const uri of uris) await client.subscribeResource({ uri });
  return async () => {
    for (const uri of uris) await client.unsubscribeResource({ uri });
  };
}

/** Announces `uri` upstream until `heard` holds (a 2025 session's standalone stream may still be opening). */
async function updateUntil(up: Upstream, uri: string, heard: () => boolean, what: string): Promise<void> {
  await waitFor(() => {
    if (heard()) return true;
    up.updateResource(uri);
    return false;
  }, what);
}

describe('resource subscriptions of custom MCP servers', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const upstreams = new Map<UpstreamEra, Upstream>();
  /** Principal A's and principal B's configurations of each upstream. */
  const idsA = new Map<UpstreamEra, string>();
  const idsB = new Map<UpstreamEra, string>();
  const stdioIds = new Map<UpstreamEra, string>();
  const stdioEnv = tempEnv();
  let secretA: string;
  let secretB: string;
  const mapped = (ids: Map<UpstreamEra, string>, era: UpstreamEra, uri: string) => `connector-gateway://${ids.get(era)}/${uri}`;

  beforeAll(async () => {
    for (const era of UPSTREAM_ERAS) upstreams.set(era, await startSdkUpstream(era));
    srv = await startServer({ principals: 2, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
    secretA = srv.principals[0]!.secret;
    secretB = srv.principals[1]!.secret;
    for (const era of UPSTREAM_ERAS) {
      for (const [secret, ids] of [
        [secretA, idsA],
        [secretB, idsB],
      ] as const) {
        const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: `up ${era}`, configuration: { endpoint: upstreams.get(era)!.url } });
        expect(created.status, created.text).toBe(201);
        ids.set(era, created.json!.id!);
      }
      const local = await cliJson<{ id: string }>(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', `up ${era}`, '--config', JSON.stringify({ endpoint: upstreams.get(era)!.url })], stdioEnv);
      stdioIds.set(era, local.id);
    }
  });
  afterAll(async () => {
    await srv?.close();
    for (const u of upstreams.values()) await u.close();
  });

  describe.each(UPSTREAM_ERAS)('a %s upstream', (upstreamEra) => {
    it.each(CLIENT_ERAS)('updates reach the %s client that subscribed over HTTP, and no other session or principal', async (clientEra) => {
      const up = upstreams.get(upstreamEra)!;
      const subscriber = hearing();
      const bystander = hearing();
      const other = hearing();
      const client = await connectHttp(srv.mcpUrl, secretA, clientEra, subscriber.setup);
      const sameUser = await connectHttp(srv.mcpUrl, secretA, 'legacy', bystander.setup);
      const otherUser = await connectHttp(srv.mcpUrl, secretB, clientEra, other.setup);
      try {
        expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
        const a = mapped(idsA, upstreamEra, A);
        const item = mapped(idsA, upstreamEra, ITEM);
        const stop = await subscribe(client, clientEra, [a, item]);
        if (upstreamEra === 'legacy') expect(up.subscribed().flat()).toEqual(expect.arrayContaining([A, ITEM]));
        // Another principal subscribes to the same upstream resource through its own configuration.
        const stopOther = await subscribe(otherUser, clientEra, [mapped(idsB, upstreamEra, A)]);

        await updateUntil(up, A, () => subscriber.updates.includes(a) && other.updates.length > 0, 'the update to reach both subscribers');
        expect(new Set(subscriber.updates)).toEqual(new Set([a]));
        expect(new Set(other.updates)).toEqual(new Set([mapped(idsB, upstreamEra, A)]));

        // Unsubscribed from `a`, still subscribed to `item`: once item's update arrives, a's (sent first) did not.
        await stop();
        const keep = await subscribe(client, clientEra, [item]);
        subscriber.updates.length = 0;
        up.updateResource(A);
        await updateUntil(up, ITEM, () => subscriber.updates.includes(item), 'the item update');
        expect(subscriber.updates).not.toContain(a);
        // A session of the same principal that subscribed to nothing heard nothing.
        expect(bystander.updates).toEqual([]);
        await keep();
        await stopOther();
        if (upstreamEra === 'legacy') await waitFor(() => up.subscribed().flat().length === 0, 'the upstream to be unsubscribed once nobody listens');
      } finally {
        await client.close();
        await sameUser.close();
        await otherUser.close();
      }
    });
  });

  it.each(CLIENT_ERAS)('a %s client cannot subscribe to another principal’s configuration or an unknown URI', async (clientEra) => {
    const client = await connectHttp(srv.mcpUrl, secretB, 'legacy');
    try {
      for (const uri of [mapped(idsA, 'legacy', A), 'test://static/a']) {
        const e = await client.subscribeResource({ uri }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e, clientEra).toBeInstanceOf(ProtocolError);
        expect([-32602, -32002]).toContain((e as ProtocolError).code);
      }
      expect(upstreams.get('legacy')!.subscribed().flat()).not.toContain(A);
    } finally {
      await client.close();
    }
  });

  describe.each(UPSTREAM_ERAS)('over stdio, a %s upstream', (upstreamEra) => {
    it.each(CLIENT_ERAS)('reaches a %s client that subscribed', async (clientEra) => {
      const up = upstreams.get(upstreamEra)!;
      const subscriber = hearing();
      const client = await connectStdio(stdioEnv, clientEra, subscriber.setup);
      try {
        expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
        const item = mapped(stdioIds, upstreamEra, ITEM);
        const stop = await subscribe(client, clientEra, [item]);
        await updateUntil(up, ITEM, () => subscriber.updates.includes(item), 'the update over stdio');
        expect(new Set(subscriber.updates)).toEqual(new Set([item]));
        await stop();
      } finally {
        await client.close();
      }
    });
  });
});
