import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { contractBackends } from './backends.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitedError, ValidationError } from '../../../src/domain/errors.js';
import type { OAuthFlowRecord, Store } from '../../../src/store/types.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
let n = 0;
function flow(owner: { organization_id: string; user_id?: string; api_key_id?: string }, ttlMs = 600_000): OAuthFlowRecord {
  const id = createHash('sha256').update(`state-${n++}`).digest('hex');
  return { id, object: 'oauth_flow', ...owner, created_at: T0.toISOString(), expires_at: at(ttlMs).toISOString(), sealed: { kid: '0123456789abcdef', iv: 'AAAAAAAAAAAAAAAA', ct: 'c2VhbGVk', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' } };
}
const alice = { organization_id: 'org_acme', user_id: 'usr_alice' };
const key = { organization_id: 'org_acme', api_key_id: 'key_1' };
const limits = (now = T0, maxPerOwner = 3) => ({ now, maxPerOwner });

const backends = contractBackends();

describe.each(backends)('Store: pending OAuth flows (%s)', (_name, make) => {
  let ctx: Awaited<ReturnType<(typeof backends)[0][1]>>;
  beforeEach(async () => (ctx = await make()));
  afterEach(() => ctx.cleanup());

  it('a flow is taken once; a second take, or one after expiry, finds nothing', async () => {
    const a = flow(alice);
    await ctx.store.createOAuthFlow(a, limits());
    expect(await ctx.store.getOAuthFlow(a.id, T0)).toEqual(a);
    expect(await ctx.store.getOAuthFlow(a.id, at(600_000))).toBeUndefined();
    expect(await ctx.store.takeOAuthFlow(a.id, T0)).toEqual(a);
    expect(await ctx.store.takeOAuthFlow(a.id, T0)).toBeUndefined();
    const b = flow(key);
    await ctx.store.createOAuthFlow(b, limits());
    expect(await ctx.store.takeOAuthFlow(b.id, at(600_001))).toBeUndefined();
  });

  it('caps live flows per owner with a 429 naming the cap; expired ones do not count; owners are apart', async () => {
    for (let i = 0; i < 3; i++) await ctx.store.createOAuthFlow(flow(alice, 1000), limits());
    const e = await ctx.store.createOAuthFlow(flow(alice), limits()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).status).toBe(429);
    expect((e as RateLimitedError).code).toBe('too_many_pending_oauth_flows');
    expect((e as RateLimitedError).message).toMatch(/cap is 3 per principal \(limits\.max_pending_oauth_flows\)/);
    await ctx.store.createOAuthFlow(flow(key), limits()); // another owner is not affected
    await ctx.store.createOAuthFlow(flow(alice), limits(at(1000))); // the first three expired
  });

  it('refuses a malformed record, naming the field', async () => {
    const e = await ctx.store.createOAuthFlow({ ...flow(alice), id: 'not-a-hash' }, limits()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).param).toBe('id');
  });

  it('another process or replica sharing the data completes the flow, once', async () => {
    if (!ctx.twin) return;
    const other = await ctx.twin();
    const a = flow(alice);
    await ctx.store.createOAuthFlow(a, limits());
    expect(await other.getOAuthFlow(a.id, T0)).toEqual(a);
    const takes = await Promise.all([other.takeOAuthFlow(a.id, T0), ctx.store.takeOAuthFlow(a.id, T0)]);
    expect(takes.filter((t) => t !== undefined)).toEqual([a]);
  });

  it('the cap holds across processes or replicas inserting at once', async () => {
    if (!ctx.twin) return;
    const other = await ctx.twin();
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? other : ctx.store).createOAuthFlow(flow(alice), limits())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(RateLimitedError), expect.any(RateLimitedError), expect.any(RateLimitedError)]);
  });

  it('lowdb: the flow file is 0600 and holds no state', async () => {
    if (!ctx.file) return;
    await ctx.store.createOAuthFlow(flow(alice), limits());
    const path = `${ctx.file}.oauth-flows.json`;
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).not.toContain('state-');
  });
});
