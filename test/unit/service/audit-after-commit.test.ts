import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/domain/errors.js';
import { alice, githubBody, serviceFixture } from './fixtures.js';

/** The audit log is written after the change is committed: its failure must not turn a done change into an error. */
describe('a write whose audit append fails', () => {
  it('is reported as done, once, for create, update and delete', async () => {
    const { store, svc } = serviceFixture();
    store.appendAudit = async () => {
      throw new StorageError('cannot append to the audit log: ENOSPC', 'storage_io');
    };
    const created = await svc.create(alice, githubBody());
    expect((await svc.list(alice)).data.map((c) => c.id)).toEqual([created.id]);
    const updated = await svc.update(alice, created.id, { name: 'Renamed' });
    expect(updated.name).toBe('Renamed');
    expect(await svc.delete(alice, created.id)).toMatchObject({ deleted: true });
    expect((await svc.list(alice)).data).toEqual([]);
  });
});
