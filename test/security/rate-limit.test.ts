import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { rawMcpPost } from '../e2e/oauth-support.js';

/** Rate limiting per principal: REST (limits.rate_limit_per_minute) and /mcp (limits.mcp_rate_limit_per_minute). */
const BUDGET = 5;
const MCP_BUDGET = 4;
let srv: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  srv = await startServer({ principals: 3, settings: { limits: { rate_limit_per_minute: BUDGET, mcp_rate_limit_per_minute: MCP_BUDGET } } });
});
afterAll(async () => srv?.close());

function expectRetryAfter(r: { headers: Headers }): void {
  const retry = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retry)).toBe(true);
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
}

describe('REST rate limit per principal', () => {
  it('answers 429 with Retry-After once the budget is spent; other principals are unaffected', async () => {
    const [p0, p1, p2] = srv.principals;
    const spend = async (secret: string, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await api<ApiBody>(srv.url, secret, 'GET', CONFIGURATIONS));
      return out;
    };
    const first = await spend(p0!.secret, BUDGET);
    expect(first.map((r) => r.status)).toEqual(Array<number>(BUDGET).fill(200));

    const limited = await spend(p0!.secret, 3);
    for (const r of limited) {
      expect(r.status).toBe(429);
      expect(r.json?.error?.type).toBe('rate_limit_error');
      expect(r.json?.error?.message).toMatch(/rate limit of 5 requests per minute/);
      expectRetryAfter(r);
    }
    // Writes are limited too, and a refused write changes nothing.
    const write = await api<ApiBody>(srv.url, p0!.secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'x', configuration: { endpoint: 'https://example.com/mcp' } });
    expect(write.status).toBe(429);

    // Another principal has its own budget, in full.
    expect((await spend(p1!.secret, BUDGET)).map((r) => r.status)).toEqual(Array<number>(BUDGET).fill(200));
    expect((await spend(p1!.secret, 1))[0]!.status).toBe(429);
    expect((await spend(p2!.secret, 1))[0]!.status).toBe(200);
    const list = await api<ApiBody>(srv.url, p2!.secret, 'GET', CONFIGURATIONS);
    expect(list.json?.data).toEqual([]);
  });

  it('an unauthenticated caller is refused with 401, not counted against anyone', async () => {
    for (let i = 0; i < BUDGET + 2; i++) {
      const r = await api<ApiBody>(srv.url, 'cgw_not_a_real_key', 'GET', CONFIGURATIONS);
      expect(r.status).toBe(401);
    }
  });
});

describe('/mcp rate limit per principal', () => {
  it('answers 429 with Retry-After once the MCP budget is spent, apart from the REST budget and from other principals', async () => {
    // Principals 1 and 2: the REST test above spent principal 0's REST budget and part of 1's.
    const [, p1, p2] = srv.principals;
    const statuses: number[] = [];
    for (let i = 0; i < MCP_BUDGET; i++) {
      const r = await rawMcpPost(srv.mcpUrl, p2!.secret);
      await r.body?.cancel();
      statuses.push(r.status);
    }
    expect(statuses).toEqual(Array<number>(MCP_BUDGET).fill(200));

    const limited = await rawMcpPost(srv.mcpUrl, p2!.secret);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as ApiBody;
    expect(body.error?.type).toBe('rate_limit_error');
    expect(body.error?.message).toMatch(new RegExp(`rate limit of ${MCP_BUDGET} requests per minute`));
    expectRetryAfter(limited);

    // The REST budget is separate (principal 2 has spent one REST request so far)...
    expect((await api<ApiBody>(srv.url, p2!.secret, 'GET', CONFIGURATIONS)).status).toBe(200);
    // ...and so is every other principal's MCP budget.
    const other = await rawMcpPost(srv.mcpUrl, p1!.secret);
    await other.body?.cancel();
    expect(other.status).toBe(200);
  });

  it('an unauthenticated /mcp request is refused with 401 before any budget is touched', async () => {
    for (let i = 0; i < MCP_BUDGET + 2; i++) {
      const r = await rawMcpPost(srv.mcpUrl, 'cgw_not_a_real_key');
      await r.body?.cancel();
      expect(r.status).toBe(401);
    }
  });
});
