/**
 * The HTTP server keeps idle keep-alive connections for 65 s and says so, so clients (whose idle
 * timeout follows the advertised one minus a margin) and proxies (60 s) always close first: a
 * request is never sent on a connection the server is closing at that moment.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../src/api/server.js';
import { startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

function get(agent: Agent, path: string): Promise<{ res: IncomingMessage; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api.server.url), { agent, headers: { authorization: `Bearer ${api.keys.a1}` } }, (res) => {
      res.resume();
      res.once('end', () => resolve({ res, reused: req.reusedSocket }));
    });
    req.once('error', reject);
    req.end();
  });
}

it('advertises a 65 s keep-alive and serves the next request on the same connection', async () => {
  expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(agent, '/v1/personal_connectors/configurations');
    expect(first.res.statusCode).toBe(200);
    expect(first.res.headers.connection).toBe('keep-alive');
    expect(first.res.headers['keep-alive']).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
    const second = await get(agent, '/v1/personal_connectors/configurations');
    expect(second.res.statusCode).toBe(200);
    expect(second.reused).toBe(true);
  } finally {
    agent.destroy();
  }
});
