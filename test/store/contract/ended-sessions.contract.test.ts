import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import { recordEvents } from '../../unit/store/fixtures.js';
import { sql } from '../../helpers/postgres.js';
import { contractBackends, type BackendCase } from './backends.js';

const backends = contractBackends();

const digest = (c: string) => c.repeat(64);
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/**
 * Ended 2025-era MCP sessions (their client's DELETE), by digest of their id: listed until their id's
 * lifetime ends, heard by this process, and on PostgreSQL read and heard by every other replica.
 */
describe.each(backends)('Store contract, ended sessions (%s)', (name, make) => {
  let ctx: BackendCase;
  beforeEach(async () => (ctx = await make()));
  afterEach(() => ctx.cleanup());

  it('lists an ended session until it expires, and tells this process', async () => {
    const heard = recordEvents(ctx.store);
    expect(await ctx.store.isSessionEnded(digest('a'), t0)).toBe(false);
    await ctx.store.endSession(digest('a'), at(60_000), t0);
    expect(await heard.next((e) => e.kind === 'session_ended')).toEqual({ kind: 'session_ended', id: digest('a') });
    expect(await ctx.store.isSessionEnded(digest('a'), at(59_999))).toBe(true);
    expect(await ctx.store.isSessionEnded(digest('a'), at(60_000))).toBe(false);
    expect(await ctx.store.isSessionEnded(digest('b'), t0)).toBe(false);
    // Ending it again (two replicas got a DELETE) is no error and keeps the later expiry.
    await ctx.store.endSession(digest('a'), at(30_000), t0);
    expect(await ctx.store.isSessionEnded(digest('a'), at(45_000))).toBe(true);
  });

  it('refuses what is not a digest, so an id itself is never stored', async () => {
    await expect(ctx.store.endSession('s1.kid.iv.ct.tag', at(1000), t0)).rejects.toBeInstanceOf(ValidationError);
    await expect(ctx.store.endSession(digest('A'), at(1000), t0)).rejects.toBeInstanceOf(ValidationError);
  });

  it.runIf(name === 'postgres')('another replica reads it and hears it; expired rows are dropped as new ones come', async () => {
    const other = await ctx.twin!();
    const heard = recordEvents(other);
    await ctx.store.endSession(digest('c'), at(1000), t0);
    expect(await other.isSessionEnded(digest('c'), t0)).toBe(true);
    expect(await heard.next((e) => e.kind === 'session_ended')).toEqual({ kind: 'session_ended', id: digest('c') });
    await other.endSession(digest('d'), at(5000), at(2000));
    expect(await ctx.store.isSessionEnded(digest('d'), at(2000))).toBe(true);
    expect(await sql(ctx.databaseUrl!, 'SELECT id FROM cg_ended_sessions ORDER BY id')).toEqual([{ id: digest('d') }]);
  });
});
