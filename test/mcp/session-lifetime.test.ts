import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, KeyRing } from '../../src/crypto/keyring.js';
import { Vault } from '../../src/crypto/vault.js';
import { closeSessionsEndedElsewhere, storeEndedSessions } from '../../src/mcp/ended-sessions.js';
import { SESSION_LIFETIME_MS, sealedSessionIds } from '../../src/mcp/session-id.js';
import { silentLogger } from '../../src/domain/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { manualClock } from '../helpers/timing.js';
import { LegacySession } from '../replicas/raw-mcp.js';

/**
 * 2025-era sessions end for good: a DELETE is kept in the store, so another endpoint on the same
 * store (a restarted process, a second one) never takes the id over again, and a held copy closes;
 * and a sealed id stops opening once its lifetime is over, even on the endpoint that holds it.
 */
describe('2025-era session lifetime and ending', () => {
  const clock = manualClock();
  const store = new MemoryStore();
  const key = generateKey();
  const options = (s: MemoryStore) => ({ sessionIds: sealedSessionIds(new Vault(KeyRing.of([key])), { now: clock.now }), endedSessions: storeEndedSessions(s, clock.now), now: clock.now });
  let a: Awaited<ReturnType<typeof startMcpHarness>>;
  let b: Awaited<ReturnType<typeof startMcpHarness>>;
  let stop: () => void;

  beforeAll(async () => {
    [a, b] = await Promise.all([startMcpHarness({ store, endpoint: options }), startMcpHarness({ store, endpoint: options })]);
    stop = closeSessionsEndedElsewhere(store, b.endpoint, silentLogger);
  });
  afterAll(async () => {
    stop();
    await Promise.all([a.close(), b.close()]);
    await store.close();
  });

  it('a DELETE on one endpoint: the other closes its copy and refuses the id; another session lives on', async () => {
    const s = await LegacySession.open(a.url, 'usr_alice');
    const kept = await LegacySession.open(a.url, 'usr_alice');
    expect(await s.via(b.url).listStatus()).toBe(200); // b took it over and holds it
    expect(b.endpoint.openSessions).toBe(1);
    expect((await s.end()).status).toBe(200);
    expect(b.endpoint.openSessions).toBe(0);
    expect(await s.via(b.url).listStatus()).toBe(404);
    expect(await s.via(a.url).listStatus()).toBe(404);
    expect(await kept.via(b.url).listStatus()).toBe(200);
  });

  it('an id whose lifetime is over is refused where it is held and where it is not', async () => {
    const s = await LegacySession.open(a.url, 'usr_bob');
    clock.advance(SESSION_LIFETIME_MS - 1);
    expect(await s.listStatus()).toBe(200);
    clock.advance(1);
    expect(await s.listStatus()).toBe(404);
    expect(await s.via(b.url).listStatus()).toBe(404);
    // A new initialize opens a new session, with a new lifetime.
    const again = await LegacySession.open(a.url, 'usr_bob');
    expect(await again.via(b.url).listStatus()).toBe(200);
  });
});
