import { readFile, stat, chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError, ValidationError } from '../../../src/domain/errors.js';
import { generateKey, keyIdOf } from '../../../src/crypto/keyring.js';
import { loadKeyRing, parseEnvKeys, rotateKeyRing } from '../../../src/crypto/load.js';
import { resealAll } from '../../../src/crypto/reseal.js';
import { Vault } from '../../../src/crypto/vault.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { makeRecord, tempDir } from '../store/fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let dataFile: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  dataFile = join(dir, 'data.json');
});
afterEach(() => cleanup());

describe('CONNECTOR_GATEWAY_KEY', () => {
  it('takes one key or a comma-separated list, first is primary', async () => {
    const [k1, k2] = [generateKey(), generateKey()];
    const one = await loadKeyRing({ env: { CONNECTOR_GATEWAY_KEY: k1.toString('base64') }, dataFile });
    expect(one.source).toBe('env');
    expect(one.ring.primary.kid).toBe(keyIdOf(k1));
    const two = await loadKeyRing({ env: { CONNECTOR_GATEWAY_KEY: `${k2.toString('base64')}, ${k1.toString('base64url')}` }, dataFile });
    expect(two.ring.primary.kid).toBe(keyIdOf(k2));
    expect(two.ring.has(keyIdOf(k1))).toBe(true);
  });

  it.each([
    ['too short', Buffer.alloc(16).toString('base64'), /decodes to 16 bytes, not 32/],
    ['not base64', 'this is not base64!!', /not base64/],
    ['an empty entry', `${generateKey().toString('base64')},`, /entry 2 of 2 is not base64/],
  ])('refuses a key that is %s, naming the variable and not the value', (_what, value, message) => {
    let err: unknown;
    try {
      parseEnvKeys(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(message);
    expect((err as ValidationError).message).toContain('CONNECTOR_GATEWAY_KEY');
    expect((err as ValidationError).param).toBe('CONNECTOR_GATEWAY_KEY');
    if (value.length > 8) expect((err as ValidationError).message).not.toContain(value.split(',')[0]);
  });

  it('rotation with env keys needs the new key from the caller', async () => {
    const env = { CONNECTOR_GATEWAY_KEY: generateKey().toString('base64') };
    const err = await rotateKeyRing({ env, dataFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('CONNECTOR_GATEWAY_KEY=<new>,<old>');
    const fresh = generateKey();
    const rotated = await rotateKeyRing({ env, dataFile, newKey: fresh });
    expect(rotated.persisted).toBe(false);
    expect(rotated.ring.primary.kid).toBe(keyIdOf(fresh));
    // The user followed the advice: the new key first, the old one after.
    const listed = await rotateKeyRing({ env: { CONNECTOR_GATEWAY_KEY: `${fresh.toString('base64')},${env.CONNECTOR_GATEWAY_KEY}` }, dataFile });
    expect(listed.ring.primary.kid).toBe(keyIdOf(fresh));
    expect(listed.previousKid).toBe(keyIdOf(Buffer.from(env.CONNECTOR_GATEWAY_KEY, 'base64')));
  });
});

describe('key file', () => {
  it('is created 0600 on first run and reused after', async () => {
    const first = await loadKeyRing({ env: {}, dataFile });
    expect(first).toMatchObject({ source: 'file', created: true, insecureMode: false, keyFile: `${dataFile}.key` });
    expect((await stat(`${dataFile}.key`)).mode & 0o777).toBe(0o600);
    const second = await loadKeyRing({ env: {}, dataFile });
    expect(second.created).toBe(false);
    expect(second.ring.primary.kid).toBe(first.ring.primary.kid);
  });

  it('two loaders racing agree on one key', async () => {
    const rings = await Promise.all(Array.from({ length: 8 }, () => loadKeyRing({ env: {}, dataFile })));
    expect(new Set(rings.map((r) => r.ring.primary.kid)).size).toBe(1);
    expect(rings.filter((r) => r.created)).toHaveLength(1);
  });

  it('warns when the file is readable by others', async () => {
    await loadKeyRing({ env: {}, dataFile });
    await chmod(`${dataFile}.key`, 0o644);
    const loaded = await loadKeyRing({ env: {}, dataFile });
    expect(loaded.insecureMode).toBe(true);
    expect(loaded.warnings[0]).toContain('chmod 600');
  });

  it('refuses a damaged key file without quoting it', async () => {
    await writeFile(`${dataFile}.key`, '{"version":1,"primary":"x","keys":[]}');
    const err = await loadKeyRing({ env: {}, dataFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain(`${dataFile}.key`);
  });
});

describe('rotation and resealAll', () => {
  it('keeps every blob openable and moves all of them to the new primary, losing no record', async () => {
    const loaded = await loadKeyRing({ env: {}, dataFile });
    const vault = new Vault(loaded.ring, { reload: loaded.reload });
    const store = await LowdbStore.open({ file: dataFile });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = makeRecord({ organization_id: i % 2 ? 'org_a' : 'org_b' });
      const sealed = vault.seal({ type: 'api_key', api_key: `secret-${i}` }, { configurationId: r.id, organizationId: r.organization_id });
      ids.push((await store.createConfiguration({ ...r, credentials_type: 'api_key', credentials_sealed: sealed })).id);
    }
    await store.createConfiguration(makeRecord()); // no credentials: nothing to reseal

    const rotated = await rotateKeyRing({ env: {}, dataFile });
    expect(rotated.previousKid).toBe(loaded.ring.primary.kid);
    vault.setKeyRing(rotated.ring);
    const keyFile = JSON.parse(await readFile(`${dataFile}.key`, 'utf8')) as { primary: string; keys: unknown[] };
    expect(keyFile.primary).toBe(rotated.ring.primary.kid);
    expect(keyFile.keys).toHaveLength(2);
    expect((await stat(`${dataFile}.key`)).mode & 0o777).toBe(0o600);

    // Another process still on the old ring learns the new key from the file when it needs it.
    const otherProcessVault = new Vault(loaded.ring, { reload: loaded.reload });

    const report = await resealAll(store, vault);
    expect(report).toEqual({ sealed: 20, resealed: 20, unchanged: 0, failed: [] });
    const all = await store.allConfigurations();
    expect(all).toHaveLength(21);
    for (const [i, id] of ids.entries()) {
      const r = all.find((c) => c.id === id)!;
      expect(r.version).toBe(2);
      expect(r.credentials_sealed!.kid).toBe(rotated.ring.primary.kid);
      const binding = { configurationId: r.id, organizationId: r.organization_id };
      expect(vault.open(r.credentials_sealed!, binding)).toEqual({ type: 'api_key', api_key: `secret-${i}` });
      expect(otherProcessVault.open(r.credentials_sealed!, binding)).toEqual({ type: 'api_key', api_key: `secret-${i}` });
    }
    expect(await resealAll(store, vault)).toEqual({ sealed: 20, resealed: 0, unchanged: 20, failed: [] });
    await store.close();
  });

  it('reports blobs it cannot open and re-seals the rest', async () => {
    const store = await LowdbStore.open({ file: dataFile });
    const lost = new Vault((await loadKeyRing({ env: { CONNECTOR_GATEWAY_KEY: generateKey().toString('base64') }, dataFile })).ring);
    const vault = new Vault((await loadKeyRing({ env: {}, dataFile })).ring);
    const r1 = makeRecord();
    const r2 = makeRecord();
    const b = (r: { id: string; organization_id: string }) => ({ configurationId: r.id, organizationId: r.organization_id });
    await store.createConfiguration({ ...r1, credentials_type: 'bearer', credentials_sealed: lost.seal({ type: 'bearer', token: 't1' }, b(r1)) });
    await store.createConfiguration({ ...r2, credentials_type: 'bearer', credentials_sealed: (await rotatedOld(vault)).seal({ type: 'bearer', token: 't2' }, b(r2)) });
    const report = await resealAll(store, vault);
    expect(report.resealed).toBe(1);
    expect(report.failed.map((f) => f.id)).toEqual([r1.id]);
    expect(report.failed[0]!.message).toContain(r1.id);
    await store.close();
  });
});

/** A vault whose primary is an old key that `vault` also holds, so its blobs need resealing. */
async function rotatedOld(vault: Vault): Promise<Vault> {
  const old = generateKey();
  const withOld = vault.ring.withPrimary(old).withPrimary(vault.ring.primary.key);
  vault.setKeyRing(withOld);
  return new Vault(withOld.withPrimary(old));
}
