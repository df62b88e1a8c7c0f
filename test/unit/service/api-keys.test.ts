import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../src/domain/errors.js';
import { ApiKeyService } from '../../../src/service/api-keys.js';
import { hashApiKeySecret, sameHash } from '../../../src/auth/api-keys.js';
import { MemoryStore } from '../../../src/store/memory.js';

describe('ApiKeyService', () => {
  it('stores only a hash and a prefix, and returns the secret once', async () => {
    const store = new MemoryStore();
    const keys = new ApiKeyService({ store });
    const k = await keys.create({ organization_id: 'org_a', user_id: 'usr_a', name: 'ci' });
    expect(k.secret).toMatch(/^cgw_[A-Za-z0-9]{40}$/);
    expect(k.id).toMatch(/^key_/);
    const stored = await store.getApiKey(k.id);
    expect(stored?.secret_hash).toBe(hashApiKeySecret(k.secret));
    expect(stored?.prefix).toBe(k.secret.slice(0, 8));
    expect(JSON.stringify(stored)).not.toContain(k.secret);
    const listed = await keys.list('org_a');
    expect(JSON.stringify(listed)).not.toContain(k.secret);
    expect(JSON.stringify(listed)).not.toContain(stored!.secret_hash);
  });

  it('authenticates to the key user, or to the key itself when it has no user', async () => {
    const keys = new ApiKeyService({ store: new MemoryStore() });
    const user = await keys.create({ organization_id: 'org_a', user_id: 'usr_a' });
    const bare = await keys.create({ organization_id: 'org_b' });
    expect(await keys.authenticate(user.secret)).toEqual({ organization_id: 'org_a', user_id: 'usr_a', api_key_id: user.id, via: 'api_key' });
    expect(await keys.authenticate(bare.secret)).toEqual({ organization_id: 'org_b', api_key_id: bare.id, via: 'api_key' });
  });

  it('refuses unknown, malformed and revoked secrets with AuthError', async () => {
    const keys = new ApiKeyService({ store: new MemoryStore() });
    const k = await keys.create({ organization_id: 'org_a' });
    await expect(keys.authenticate('cgw_' + 'A'.repeat(40))).rejects.toBeInstanceOf(AuthError);
    await expect(keys.authenticate('not a key')).rejects.toBeInstanceOf(AuthError);
    await keys.revoke(k.id);
    await expect(keys.authenticate(k.secret)).rejects.toMatchObject({ status: 401, code: 'api_key_revoked' });
  });

  it('refuses invalid owner ids naming the field', async () => {
    const keys = new ApiKeyService({ store: new MemoryStore() });
    await expect(keys.create({ organization_id: 'bad org' })).rejects.toMatchObject({ param: 'organization_id' });
  });

  it('compares hashes in constant time and only equal digests match', () => {
    const a = hashApiKeySecret('x');
    expect(sameHash(a, a)).toBe(true);
    expect(sameHash(a, hashApiKeySecret('y'))).toBe(false);
    expect(sameHash(a, '')).toBe(false);
  });
});
