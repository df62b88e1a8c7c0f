import { describe, expect, it } from 'vitest';
import { generateKey, KeyRing } from '../../src/crypto/keyring.js';
import { Vault } from '../../src/crypto/vault.js';
import { SESSION_LIFETIME_MS, sealedSessionIds, sessionDigest } from '../../src/mcp/session-id.js';
import { manualClock } from '../helpers/timing.js';

const key = generateKey();
const alice = 'org_a/usr_alice';

describe('sealed 2025-era session ids', () => {
  it('open for the owner they were issued to, on any process with the key, with the protocol version', () => {
    const id = sealedSessionIds(new Vault(KeyRing.of([key]))).issue(alice, { protocolVersion: '2025-06-18' });
    // Visible ASCII only, as Mcp-Session-Id requires.
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    const elsewhere = sealedSessionIds(new Vault(KeyRing.of([key])));
    expect(elsewhere.open(id, alice)).toMatchObject({ protocolVersion: '2025-06-18' });
  });

  it('never open for another owner, altered, truncated, foreign-key or unrelated ids', () => {
    const ids = sealedSessionIds(new Vault(KeyRing.of([key])));
    const id = ids.issue(alice, { protocolVersion: '2025-11-25' });
    expect(ids.open(id, 'org_a/usr_bob')).toBeUndefined();
    const parts = id.split('.');
    const ct = parts[3]!;
    parts[3] = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
    expect(ids.open(parts.join('.'), alice)).toBeUndefined();
    expect(ids.open(id.slice(0, -3), alice)).toBeUndefined();
    expect(sealedSessionIds(new Vault(KeyRing.of([generateKey()]))).open(id, alice)).toBeUndefined();
    expect(ids.open('f00dcafe-0000-4000-8000-000000000000', alice)).toBeUndefined();
    expect(ids.open(`s1.${'x'.repeat(600)}`, alice)).toBeUndefined();
  });

  it('carry when they were issued and stop opening, on every process, once their lifetime is over', () => {
    const clock = manualClock();
    const ids = sealedSessionIds(new Vault(KeyRing.of([key])), { now: clock.now });
    const id = ids.issue(alice, { protocolVersion: '2025-11-25' });
    const elsewhere = sealedSessionIds(new Vault(KeyRing.of([key])), { now: clock.now });
    expect(elsewhere.open(id, alice)).toEqual({ protocolVersion: '2025-11-25', expiresAt: clock.now() + SESSION_LIFETIME_MS });
    clock.advance(SESSION_LIFETIME_MS - 1);
    expect(elsewhere.open(id, alice)).toBeDefined();
    clock.advance(1);
    expect(elsewhere.open(id, alice)).toBeUndefined();
    expect(ids.open(id, alice)).toBeUndefined();
    // A shorter lifetime is the replica's own choice, applied to every id it is shown.
    const short = sealedSessionIds(new Vault(KeyRing.of([key])), { now: clock.now, lifetimeMs: 1000 });
    const fresh = short.issue(alice, { protocolVersion: '2025-11-25' });
    clock.advance(1000);
    expect(short.open(fresh, alice)).toBeUndefined();
  });

  it('ids sealed without an issued-at (before lifetimes existed) no longer open', () => {
    const vault = new Vault(KeyRing.of([key]));
    const s = vault.sealText(JSON.stringify({ p: '2025-11-25', n: 'abc' }), 'mcp-session', alice);
    const b64u = (b: string) => Buffer.from(b, 'base64').toString('base64url');
    const old = ['s1', s.kid, b64u(s.iv), b64u(s.ct), b64u(s.tag)].join('.');
    expect(sealedSessionIds(vault).open(old, alice)).toBeUndefined();
  });

  it('are named in the store by a digest, never by themselves', () => {
    const id = sealedSessionIds(new Vault(KeyRing.of([key]))).issue(alice, { protocolVersion: '2025-11-25' });
    expect(sessionDigest(id)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionDigest(id)).not.toContain(id.slice(3, 20));
  });

  it('are unique per issue', () => {
    const ids = sealedSessionIds(new Vault(KeyRing.of([key])));
    const a = ids.issue(alice, { protocolVersion: '2025-11-25' });
    expect(ids.issue(alice, { protocolVersion: '2025-11-25' })).not.toBe(a);
  });
});
