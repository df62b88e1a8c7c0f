import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKey, KeyRing } from '../../../src/crypto/keyring.js';
import { SealGuard } from '../../../src/crypto/seal-guard.js';
import { Vault } from '../../../src/crypto/vault.js';
import { StorageError } from '../../../src/domain/errors.js';
import { silentLogger } from '../../../src/domain/logger.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { KeyPolicy, Store } from '../../../src/store/types.js';
import { makeRecord, tempDir } from '../store/fixtures.js';

const binding = (r: { id: string; organization_id: string }) => ({ configurationId: r.id, organizationId: r.organization_id });
const policy = (primary: string, retired: string[] = []): KeyPolicy => ({ object: 'key_policy', primary_kid: primary, retired_kids: retired, updated_at: '2026-01-01T00:00:00Z' });

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

describe.each([
  ['memory', async () => new MemoryStore() as Store],
  ['lowdb', async () => (await LowdbStore.open({ file: join(dir, 'data.json') })) as Store],
])('the store refuses new blobs under a retired key (%s)', (_name, open) => {
  it('create and credential updates under a retired key throw key_missing; unchanged blobs and the new key pass', async () => {
    const store = await open();
    try {
      const oldRing = KeyRing.of([generateKey()]);
      const newKey = generateKey();
      const both = oldRing.withPrimary(newKey);
      const oldVault = new Vault(oldRing);
      const rec = makeRecord();
      const kept = await store.createConfiguration({ ...rec, credentials_type: 'bearer', credentials_sealed: oldVault.seal({ type: 'bearer', token: 't' }, binding(rec)) });
      await store.setKeyPolicy(policy(both.primary.kid, [oldRing.primary.kid]));
      expect(await store.getKeyPolicy()).toEqual(policy(both.primary.kid, [oldRing.primary.kid]));

      const r2 = makeRecord();
      const refused = await store.createConfiguration({ ...r2, credentials_type: 'bearer', credentials_sealed: oldVault.seal({ type: 'bearer', token: 'x' }, binding(r2)) }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StorageError);
      expect((refused as StorageError).code).toBe('key_missing');
      expect(await store.getConfiguration(r2.id)).toBeUndefined();

      const update = await store.updateConfiguration(kept.id, (c) => ({ ...c, credentials_sealed: oldVault.seal({ type: 'bearer', token: 'y' }, binding(c)) })).catch((e: unknown) => e);
      expect((update as StorageError).code).toBe('key_missing');
      // A rename keeps the old blob as it is: that is not sealing, and the rotation's sweep moves it.
      expect((await store.updateConfiguration(kept.id, (c) => ({ ...c, name: 'Renamed' }))).name).toBe('Renamed');
      const newVault = new Vault(both);
      const moved = await store.updateConfiguration(kept.id, (c) => ({ ...c, credentials_sealed: newVault.seal({ type: 'bearer', token: 'z' }, binding(c)) }));
      expect(moved.credentials_sealed?.kid).toBe(both.primary.kid);
    } finally {
      await store.close();
    }
  });
});

describe('SealGuard', () => {
  it('follows the policy: switches to a primary its ring holds, re-reads its source, or refuses with key_missing', async () => {
    const store = new MemoryStore();
    const a = generateKey();
    const b = generateKey();
    const c = generateKey();
    const vault = new Vault(KeyRing.of([a, b]));
    let source: KeyRing | undefined;
    const guard = new SealGuard({ vault, policy: () => store.getKeyPolicy(), reload: () => source, source: 'the test ring', log: silentLogger });
    await guard.check(); // no policy: nothing to follow
    expect(vault.primaryKeyId).toBe(KeyRing.of([a]).primary.kid);

    await store.setKeyPolicy(policy(KeyRing.of([b]).primary.kid));
    await guard.check();
    expect(vault.primaryKeyId).toBe(KeyRing.of([b]).primary.kid);

    const cKid = KeyRing.of([c]).primary.kid;
    await store.setKeyPolicy(policy(cKid));
    const refused = await guard.check().catch((e: unknown) => e);
    expect((refused as StorageError).code).toBe('key_missing');
    expect((refused as StorageError).message).toContain(cKid);
    expect(vault.primaryKeyId).toBe(KeyRing.of([b]).primary.kid);

    source = KeyRing.of([c, a, b]); // the key file after a rotation
    await guard.check();
    expect(vault.primaryKeyId).toBe(cKid);
  });
});
