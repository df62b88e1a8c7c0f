import { describe, expect, it } from 'vitest';
import type { Sealed } from '../../../src/domain/configuration.js';
import type { Credentials } from '../../../src/domain/credentials.js';
import { StorageError, ValidationError } from '../../../src/domain/errors.js';
import { generateKey, keyIdOf, KeyRing } from '../../../src/crypto/keyring.js';
import { Vault } from '../../../src/crypto/vault.js';
import { createHash } from 'node:crypto';

const creds: Credentials = { type: 'oauth2', access_token: 'gho_secretAccess', refresh_token: 'secretRefresh', expires_at: '2025-12-31T23:59:59Z' };
const binding = { configurationId: 'pconf_abc123', organizationId: 'org_acme' };

function flipBit(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  buf[0] = buf[0]! ^ 1;
  return buf.toString('base64');
}

function openError(vault: Vault, sealed: Sealed, b = binding): StorageError {
  let err: unknown;
  try {
    vault.open(sealed, b);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StorageError);
  const e = err as StorageError;
  expect(e.code).toBe('credentials_unreadable');
  expect(e.message).toContain(b.configurationId);
  expect(e.message).not.toMatch(/secret/i);
  return e;
}

describe('Vault', () => {
  const key = generateKey();
  const vault = new Vault(KeyRing.of([key]));

  it('round-trips credentials; the blob shows neither secret nor plaintext', () => {
    const sealed = vault.seal(creds, binding);
    expect(sealed.kid).toBe(createHash('sha256').update(key).digest('hex').slice(0, 16));
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain('secret');
    expect(vault.open(sealed, binding)).toEqual(creds);
  });

  it('uses a fresh nonce every time', () => {
    const a = vault.seal(creds, binding);
    const b = vault.seal(creds, binding);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it.each(['ct', 'iv', 'tag'] as const)('detects a flipped bit in %s', (field) => {
    const sealed = vault.seal(creds, binding);
    openError(vault, { ...sealed, [field]: flipBit(sealed[field]) });
  });

  it('refuses a blob moved to another configuration or organization', () => {
    const sealed = vault.seal(creds, binding);
    openError(vault, sealed, { ...binding, configurationId: 'pconf_other' });
    openError(vault, sealed, { ...binding, organizationId: 'org_other' });
  });

  it('refuses the wrong key with a message that names the key id, not the key', () => {
    const sealed = vault.seal(creds, binding);
    const other = new Vault(KeyRing.of([generateKey()]));
    const e = openError(other, sealed);
    expect(e.message).toContain(sealed.kid);
    expect(e.message).toContain('CONNECTOR_GATEWAY_KEY');
    expect(e.message).not.toContain(key.toString('base64'));
    // Same kid, different key (a forged kid): authentication fails, still a clean StorageError.
    openError(other, { ...sealed, kid: keyIdOf(other.ring.primary.key) });
  });

  it('validates credentials before sealing and after opening', () => {
    expect(() => vault.seal({ type: 'bearer', token: '' } as Credentials, binding)).toThrow(ValidationError);
    expect(() => vault.seal({ type: 'password', password: 'x' } as unknown as Credentials, binding)).toThrow(ValidationError);
  });

  it('opens under any ring key, seals under the primary, and says what needs resealing', () => {
    const oldSealed = vault.seal(creds, binding);
    const newKey = generateKey();
    const rotated = new Vault(vault.ring.withPrimary(newKey));
    expect(rotated.primaryKeyId).toBe(keyIdOf(newKey));
    expect(rotated.open(oldSealed, binding)).toEqual(creds);
    expect(rotated.needsReseal(oldSealed)).toBe(true);
    const fresh = rotated.seal(creds, binding);
    expect(fresh.kid).toBe(keyIdOf(newKey));
    expect(rotated.needsReseal(fresh)).toBe(false);
  });

  it('reloads its ring when it meets an unknown key id', () => {
    const newKey = generateKey();
    const elsewhere = new Vault(vault.ring.withPrimary(newKey));
    const sealed = elsewhere.seal(creds, binding);
    let reloads = 0;
    const stale = new Vault(vault.ring, { reload: () => (reloads++, elsewhere.ring) });
    expect(stale.open(sealed, binding)).toEqual(creds);
    expect(reloads).toBe(1);
    expect(stale.primaryKeyId).toBe(keyIdOf(newKey));
  });
});
