import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startConformanceEverything } from '../fakes/conformance-everything.js';

/**
 * What the conformance scenarios do not look at on the fixture's 2025-era leg: that a resource
 * subscription is kept (updates reach the sessions subscribed, and only those) and that a DELETE
 * ends the session.
 */
const WATCHED = 'test://watched-resource';

describe('the everything fixture on the 2025 era', () => {
  let fixture: Awaited<ReturnType<typeof startConformanceEverything>>;

  beforeAll(async () => {
    fixture = await startConformanceEverything();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  async function session() {
    const client = new Client({ name: 'fixture-legacy', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(new URL(fixture.url));
    const updates: string[] = [];
    let next = () => {};
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
      next();
    });
    await client.connect(transport);
    const id = transport.sessionId;
    if (id === undefined) throw new Error('the fixture gave no session id');
    await fixture.standaloneStreamOpen(id);
    return { client, transport, updates, nextUpdate: () => new Promise<void>((resolve) => (next = resolve)) };
  }

  it('announces a watched-resource update to the sessions subscribed to it, and only to them', async () => {
    const a = await session();
    const b = await session();
    await a.client.subscribeResource({ uri: WATCHED });
    await b.client.subscribeResource({ uri: WATCHED });
    await b.client.unsubscribeResource({ uri: WATCHED });

    const toA = a.nextUpdate();
    await fixture.updateWatchedResource('first');
    await toA;
    expect(a.updates).toEqual([WATCHED]);
    const [content] = (await a.client.readResource({ uri: WATCHED })).contents;
    expect(content && 'text' in content && content.text).toBe('first');

    // Both updates would travel on B's one GET stream in order: if the first had been sent to B,
    // it would be there before the second.
    await b.client.subscribeResource({ uri: WATCHED });
    const toB = b.nextUpdate();
    await fixture.updateWatchedResource('second');
    await toB;
    expect(b.updates).toEqual([WATCHED]);
    await a.client.close();
    await b.client.close();
  });

  it('ends a session on DELETE', async () => {
    const s = await session();
    const before = fixture.sessionCount();
    await s.transport.terminateSession();
    expect(fixture.sessionCount()).toBe(before - 1);
    await s.client.close();
  });
});
