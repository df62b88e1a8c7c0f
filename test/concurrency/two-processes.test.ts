import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, CONFIGURATIONS, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';

/**
 * Two server processes on one data file, many concurrent HTTP clients against both: no duplicate
 * ids, no lost update (compare-and-swap with If-Match: exactly one winner per version), and both
 * processes converge on the same records.
 */
let data: PreparedData;
let a: SpawnedServer;
let b: SpawnedServer;
let servers: SpawnedServer[];

beforeAll(async () => {
  data = await prepareData({ principals: 2, settings: { limits: { rate_limit_per_minute: 0 } } });
  [a, b] = await Promise.all([spawnServer(data), spawnServer(data)]);
  servers = [a, b];
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await data?.remove();
});

const body = (name: string) => ({ personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint: 'https://example.com/mcp' } });

/** Runs `count` tasks with at most `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < count; i = next++) out[i] = await task(i);
    }),
  );
  return out;
}

async function listAll(server: SpawnedServer, secret: string): Promise<ApiBody[]> {
  const all: ApiBody[] = [];
  let after = '';
  for (;;) {
    const r = await api<ApiBody>(server.url, secret, 'GET', `${CONFIGURATIONS}?limit=100${after ? `&starting_after=${after}` : ''}`);
    expect(r.status, r.text).toBe(200);
    all.push(...(r.json?.data ?? []));
    const last = r.json?.data?.at(-1)?.id;
    if (!r.json?.has_more || !last) return all;
    after = last;
  }
}

async function etagOf(server: SpawnedServer, secret: string, id: string): Promise<string> {
  const r = await api<ApiBody>(server.url, secret, 'GET', `${CONFIGURATIONS}/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.headers.get('etag') ?? '';
}

/** Waits until both processes serve these records (the other one learns of them through its file watch). */
async function visibleEverywhere(secret: string, ids: string[]): Promise<void> {
  for (const s of servers) {
    for (const id of ids) await expect.poll(async () => (await api(s.url, secret, 'GET', `${CONFIGURATIONS}/${id}`)).status, { interval: 20 }).toBe(200);
  }
}

describe('two processes, one data file', () => {
  it('concurrent creates from two principals through both processes: unique ids, all visible in both views', async () => {
    const created = await pool(80, 16, async (i) => {
      const p = data.principals[i % 2]!;
      const r = await api<ApiBody>(servers[(i >> 1) % 2]!.url, p.secret, 'POST', CONFIGURATIONS, body(`c${i}`));
      expect(r.status, r.text).toBe(201);
      return { owner: i % 2, id: r.json!.id!, name: `c${i}` };
    });
    expect(new Set(created.map((c) => c.id)).size).toBe(created.length);
    for (const [o, p] of data.principals.entries()) {
      const mine = created.filter((c) => c.owner === o).map((c) => c.id).sort();
      for (const s of servers) {
        // The other process learns of the writes through its file watch: eventually, not instantly.
        await expect.poll(async () => (await listAll(s, p.secret)).map((x) => x.id!).sort(), { interval: 50 }).toEqual(mine);
      }
    }
  });

  it('If-Match on one record from many clients through both processes: exactly one winner per version, the rest 409', async () => {
    const secret = data.principals[0]!.secret;
    const r = await api<ApiBody>(a.url, secret, 'POST', CONFIGURATIONS, body('contended'));
    const id = r.json!.id!;
    for (let round = 0; round < 8; round++) {
      // Both processes must have seen the last write, or a stale one answers 409 to a current ETag.
      const tag = await etagOf(a, secret, id);
      await expect.poll(() => etagOf(b, secret, id), { interval: 20 }).toBe(tag);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api<ApiBody>(servers[i % 2]!.url, secret, 'PATCH', `${CONFIGURATIONS}/${id}`, { name: `round ${round} client ${i}` }, { 'if-match': tag }),
        ),
      );
      const winners = results.filter((x) => x.status === 200);
      const losers = results.filter((x) => x.status === 409);
      expect(winners.length, results.map((x) => `${x.status} ${x.text.slice(0, 120)}`).join('\n')).toBe(1);
      expect(losers.length).toBe(9);
      for (const l of losers) expect(l.json?.error?.type).toBe('conflict_error');
      const now = await api<ApiBody>(a.url, secret, 'GET', `${CONFIGURATIONS}/${id}`);
      expect(now.json?.name).toBe(winners[0]!.json?.name);
      expect(now.headers.get('etag')).not.toBe(tag);
    }
  });

  it('concurrent merge-patches without If-Match on one record lose nothing: every key lands', async () => {
    const secret = data.principals[1]!.secret;
    const r = await api<ApiBody>(b.url, secret, 'POST', CONFIGURATIONS, body('merged'));
    const id = r.json!.id!;
    await visibleEverywhere(secret, [id]); // see the read-your-writes test below
    const clients = 7;
    const each = 7; // 49 keys: within the 50-key metadata limit
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let j = 0; j < each; j++) {
          const res = await api<ApiBody>(servers[(c + j) % 2]!.url, secret, 'PATCH', `${CONFIGURATIONS}/${id}`, { metadata: { [`k${c}_${j}`]: 'v' } });
          expect(res.status, res.text).toBe(200);
        }
      }),
    );
    const want = Array.from({ length: clients * each }, (_, i) => `k${Math.floor(i / each)}_${i % each}`).sort();
    for (const s of servers) {
      await expect.poll(async () => Object.keys((await api<ApiBody>(s.url, secret, 'GET', `${CONFIGURATIONS}/${id}`)).json?.metadata ?? {}).sort(), { interval: 50 }).toEqual(want);
    }
  });

  it('a delete in one process and updates in the other: the record ends deleted, never resurrected', async () => {
    const secret = data.principals[0]!.secret;
    const ids = await pool(10, 5, async (i) => (await api<ApiBody>(a.url, secret, 'POST', CONFIGURATIONS, body(`victim${i}`))).json!.id!);
    await visibleEverywhere(secret, ids);
    await pool(ids.length, 10, async (i) => {
      const id = ids[i]!;
      const [del, ...patches] = await Promise.all([
        api<ApiBody>(b.url, secret, 'DELETE', `${CONFIGURATIONS}/${id}`),
        ...Array.from({ length: 4 }, (_, k) => api<ApiBody>(servers[k % 2]!.url, secret, 'PATCH', `${CONFIGURATIONS}/${id}`, { description: `p${k}` })),
      ]);
      expect(del!.status, del!.text).toBe(200);
      for (const p of patches) expect([200, 404]).toContain(p.status);
    });
    for (const s of servers) {
      for (const id of ids) await expect.poll(async () => (await api(s.url, secret, 'GET', `${CONFIGURATIONS}/${id}`)).status, { interval: 50 }).toBe(404);
    }
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    for (const s of servers) expect(s.stderr()).not.toMatch(/"level":(50|60)/);
  });

  /**
   * FAILS today (bug): LowdbStore serves reads from memory, refreshed by a file watch with a 5 ms
   * debounce, so a record that process B has acknowledged is "not found" in process A for a few
   * milliseconds, and an If-Match with B's fresh ETag gets a spurious 409 from A. Behind a load
   * balancer a client that creates and then reads or updates sees 404s. Fix proposed in the
   * report: a freshness check (stat of the data file, reload when its identity changed) before
   * serving reads in src/store/lowdb.ts.
   */
  it('read-your-writes across processes: what one process acknowledged, the other serves on the next request', async () => {
    const secret = data.principals[0]!.secret;
    const misses: string[] = [];
    for (let i = 0; i < 40; i++) {
      const [writer, reader] = i % 2 === 0 ? [b, a] : [a, b];
      const created = await api<ApiBody>(writer.url, secret, 'POST', CONFIGURATIONS, body(`ryw${i}`));
      const id = created.json!.id!;
      const got = await api<ApiBody>(reader.url, secret, 'GET', `${CONFIGURATIONS}/${id}`);
      if (got.status !== 200) misses.push(`GET ${i}: ${got.status}`);
      const patched = await api<ApiBody>(writer.url, secret, 'PATCH', `${CONFIGURATIONS}/${id}`, { name: `ryw${i} renamed` });
      const cas = await api<ApiBody>(reader.url, secret, 'PATCH', `${CONFIGURATIONS}/${id}`, { description: 'cas' }, { 'if-match': patched.headers.get('etag') ?? '' });
      if (cas.status !== 200) misses.push(`If-Match ${i}: ${cas.status}`);
    }
    expect(misses).toEqual([]);
  });
});
