import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEMI_SPACE_TARGET_BYTES } from '../../src/cli/v8-tuning.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type PreparedData } from '../helpers/server.js';
import { parsePrometheusText, sampleValue } from '../observability/prom-text.js';

/** The young generation's committed size (both semi-spaces), from the server's own /metrics. */
async function youngGenerationBytes(url: string, secret: string): Promise<number> {
  const r = await api(url, secret, 'GET', '/metrics');
  expect(r.status).toBe(200);
  const value = sampleValue(parsePrometheusText(r.text), 'nodejs_heap_space_size_total_bytes', { space: 'new' });
  if (value === undefined) throw new Error('no nodejs_heap_space_size_total_bytes{space="new"} in /metrics');
  return value;
}

/** Enough garbage with survivors to make V8 grow an uncapped young generation to its maximum. */
async function churn(url: string, secret: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const created = await api(url, secret, 'POST', CONFIGURATIONS, {
      personal_connector_id: 'pc_custom_mcp',
      name: `Churn ${i}`,
      configuration: { endpoint: `https://mcp${i}.example.com/mcp`, custom_settings: { note: 'x'.repeat(2000) } },
    });
    expect(created.status).toBe(201);
  }
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = 0; i < 40; i++) expect((await api(url, secret, 'GET', `${CONFIGURATIONS}?limit=100`)).status).toBe(200);
  }));
}

describe('V8 tuning of the served process (CONNECTOR_GATEWAY_OPTIMIZE_FOR=speed, the default)', () => {
  let data: PreparedData;
  beforeAll(async () => {
    data = await prepareData({ principals: 1 });
  });
  afterAll(async () => {
    await data.remove();
  });

  it('keeps the young generation near its target under load, unless the operator sized it with NODE_OPTIONS', async () => {
    const secret = data.principals[0]!.secret;
    // Two semi-spaces at the target, plus one doubling that can slip in between two GCs.
    const bound = 2 * 2 * SEMI_SPACE_TARGET_BYTES + 512 * 1024;
    const capped = await spawnServer(data);
    try {
      await churn(capped.url, secret);
      expect(await youngGenerationBytes(capped.url, secret)).toBeLessThanOrEqual(bound);
    } finally {
      await capped.stop();
    }
    // Without the cap the same load grows each semi-space to V8's 16 MB: the load is enough to tell.
    const operator = await spawnServer(data, { env: { NODE_OPTIONS: '--max-semi-space-size=16' } });
    try {
      await churn(operator.url, secret);
      expect(await youngGenerationBytes(operator.url, secret)).toBeGreaterThan(bound);
    } finally {
      await operator.stop();
    }
  });
});
