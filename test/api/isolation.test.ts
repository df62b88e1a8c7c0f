import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './harness.js';

const BASE = '/v1/personal_connectors/configurations';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => h.close());

describe('tenant isolation: two organizations, two users each', () => {
  it('refuses every cross read, update, delete and test with the 404 of a missing id', async () => {
    const who = Object.entries(h.keys) as [string, string][];
    const owned = new Map<string, string>();
    for (const [name, key] of who) {
      const r = await h.request('POST', BASE, {
        key,
        body: { personal_connector_id: 'pc_custom_mcp', name: `${name}'s server`, configuration: { endpoint: 'https://example.com/mcp' } },
      });
      expect(r.status).toBe(201);
      owned.set(name, r.json.id!);
    }
    const before = await h.dataFileText();
    const missing = await h.request('GET', `${BASE}/pconf_missing000000000000000`);
    expect(missing.status).toBe(404);

    for (const [caller, key] of who) {
      const list = await h.request('GET', BASE, { key });
      expect(list.json.data?.map((o) => o.id)).toEqual([owned.get(caller)]);
      for (const [owner, id] of owned) {
        if (owner === caller) continue;
        const attempts = [
          await h.request('GET', `${BASE}/${id}`, { key }),
          await h.request('PATCH', `${BASE}/${id}`, { key, body: { name: 'hijacked' } }),
          await h.request('DELETE', `${BASE}/${id}`, { key }),
          await h.request('POST', `${BASE}/${id}/test`, { key }),
        ];
        for (const a of attempts) {
          expect(a.status).toBe(404);
          expect(a.json.error?.type).toBe('not_found_error');
          // Same body as for an id that never existed, apart from the id itself.
          expect(a.text.replace(id, 'ID')).toBe(missing.text.replace('pconf_missing000000000000000', 'ID'));
        }
        const cursor = await h.request('GET', `${BASE}?starting_after=${id}`, { key });
        expect(cursor.status).toBe(400);
      }
    }
    expect(await h.dataFileText()).toBe(before);
  });

  it('refuses to create for another user or organization', async () => {
    const before = await h.dataFileText();
    for (const body of [{ user_id: 'usr_a2' }, { organization_id: 'org_b' }]) {
      const r = await h.request('POST', BASE, {
        key: h.keys.a1,
        body: { personal_connector_id: 'pc_custom_mcp', name: 'x', configuration: { endpoint: 'https://example.com/mcp' }, ...body },
      });
      expect(r.status).toBe(403);
    }
    expect(await h.dataFileText()).toBe(before);
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once the per-principal bucket is empty', async () => {
    const limited = await startApi({ settings: { limits: { rate_limit_per_minute: 3 } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.request('GET', BASE)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const r = await limited.request('GET', BASE);
      expect(r.json.error?.type).toBe('rate_limit_error');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another principal has its own bucket.
      expect((await limited.request('GET', BASE, { key: limited.keys.b1 })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
