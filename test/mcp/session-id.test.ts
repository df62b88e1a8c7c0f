import { describe, expect, it } from 'vitest';
import { generateKey, KeyRing } from '../../src/crypto/keyring.js';
import { Vault } from '../../src/crypto/vault.js';
import { sealedSessionIds } from '../../src/mcp/session-id.js';

const key = generateKey();
const alice = 'org_a/usr_alice';

describe('sealed 2025-era session ids', () => {
  it('open for the owner they were issued to, on any process with the key, with the protocol version', () => {
    const id = sealedSessionIds(new Vault(KeyRing.of([key]))).issue(alice, { protocolVersion: '2025-06-18' });
    // Visible ASCII only, as Mcp-Session-Id requires.
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    const elsewhere = sealedSessionIds(new Vault(KeyRing.of([key])));
    expect(elsewhere.open(id, alice)).toEqual({ protocolVersion: '2025-06-18' });
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

  it('are unique per issue', () => {
    const ids = sealedSessionIds(new Vault(KeyRing.of([key])));
    const a = ids.issue(alice, { protocolVersion: '2025-11-25' });
    expect(ids.issue(alice, { protocolVersion: '2025-11-25' })).not.toBe(a);
  });
});
