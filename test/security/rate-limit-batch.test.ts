import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ApiBody } from '../helpers/server.js';

/**
 * A JSON-RPC batch is one HTTP request carrying many calls: each message in it counts against the
 * principal's /mcp rate limit (limits.mcp_rate_limit_per_minute), so a batch cannot smuggle more
 * calls past the limit than single requests could. The real server, built binary.
 */
const MCP_BUDGET = 5;
let srv: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  srv = await startServer({ principals: 3, settings: { limits: { mcp_rate_limit_per_minute: MCP_BUDGET } } });
});
afterAll(async () => srv?.close());

function call(id: number) {
  return { jsonrpc: '2.0', id, method: 'tools/list', params: {} };
}

async function post(secret: string, body: unknown): Promise<{ status: number; json: ApiBody | undefined }> {
  const r = await fetch(srv.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${secret}`, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  let json: ApiBody | undefined;
  try {
    json = JSON.parse(text) as ApiBody;
  } catch {
    json = undefined;
  }
  return { status: r.status, json };
}

describe('/mcp rate limit and JSON-RPC batches', () => {
  it('counts every message of a batch: a batch of 4 and one single call spend a budget of 5', async () => {
    const p = srv.principals[0]!;
    const batch = await post(p.secret, [call(1), call(2), call(3), call(4)]);
    expect(batch.status).not.toBe(429);
    const single = await post(p.secret, call(5));
    expect(single.status).not.toBe(429);
    // The budget is spent: 4 calls in the batch + 1 (one request per call would have been refused here too).
    const refused = await post(p.secret, call(6));
    expect(refused.status).toBe(429);
    expect(refused.json?.error?.type).toBe('rate_limit_error');
    expect(refused.json?.error?.message).toMatch(/rate limit of 5 requests per minute/);
  });

  it('a batch larger than the whole budget is refused (429) naming the limit', async () => {
    const p = srv.principals[1]!;
    const big = await post(p.secret, Array.from({ length: MCP_BUDGET + 1 }, (_, i) => call(i + 1)));
    expect(big.status).toBe(429);
    expect(big.json?.error?.message).toMatch(/a batch of 6 calls exceeds the rate limit of 5 requests per minute/);
  });

  it('a batch that does not fit in what is left is refused before any of it runs', async () => {
    const p = srv.principals[2]!;
    for (let i = 0; i < 3; i++) expect((await post(p.secret, call(i))).status).not.toBe(429);
    // Two left; a batch of three does not fit.
    const batch = await post(p.secret, [call(10), call(11), call(12)]);
    expect(batch.status).toBe(429);
    expect(batch.json?.error?.type).toBe('rate_limit_error');
  });
});
