import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordEvents } from '../../unit/store/fixtures.js';
import { contractBackends, type BackendCase } from './backends.js';

const backends = contractBackends();

/**
 * The stored settings (allow_loopback, allow_private) are one value for every process sharing the
 * data: what one process sets, another reads, and hears about through its change feed.
 */
describe.each(backends)('Store contract, stored settings (%s)', (_name, make) => {
  let ctx: BackendCase;
  beforeEach(async () => (ctx = await make()));
  afterEach(() => ctx.cleanup());

  it('starts empty; a patch sets, keeps the other field, and null removes', async () => {
    expect(await ctx.store.getStoredSettings()).toEqual({});
    const a = await ctx.store.setStoredSettings({ allow_loopback: true });
    expect(a).toMatchObject({ allow_loopback: true });
    expect(a.updated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await ctx.store.setStoredSettings({ allow_private: false });
    expect(await ctx.store.getStoredSettings()).toMatchObject({ allow_loopback: true, allow_private: false });
    await ctx.store.setStoredSettings({ allow_loopback: null });
    const after = await ctx.store.getStoredSettings();
    expect(after.allow_loopback).toBeUndefined();
    expect(after.allow_private).toBe(false);
  });

  it('this process hears its own change; another process reads it and hears it too', async () => {
    const mine = recordEvents(ctx.store);
    await ctx.store.setStoredSettings({ allow_loopback: true });
    await mine.next((e) => e.kind === 'settings');
    if (!ctx.twin) return;
    const other = await ctx.twin();
    expect(await other.getStoredSettings()).toMatchObject({ allow_loopback: true });
    const heard = recordEvents(other);
    await ctx.store.setStoredSettings({ allow_loopback: false });
    await heard.next((e) => e.kind === 'settings');
    expect(await other.getStoredSettings()).toMatchObject({ allow_loopback: false });
  });

  it('two processes setting different fields at once both count', async () => {
    const other = ctx.twin ? await ctx.twin() : ctx.store;
    await Promise.all([ctx.store.setStoredSettings({ allow_loopback: true }), other.setStoredSettings({ allow_private: true })]);
    expect(await ctx.store.getStoredSettings()).toMatchObject({ allow_loopback: true, allow_private: true });
  });
});
