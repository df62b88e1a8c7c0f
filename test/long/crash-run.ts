import { readFile } from 'node:fs/promises';
import { api, CONFIGURATIONS, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { waitFor } from '../helpers/timing.js';

/**
 * Crash safety as a loop: writers stream REST creates and updates at the built server, which is
 * SIGKILLed at a random moment and restarted on the same file. After every restart the server must
 * open the file, and every write it had acknowledged (201/200 received) must be there with the
 * acknowledged content. A write in flight at the kill may land or not, but nothing else may appear.
 */
export interface CrashReport {
  seed: number;
  kills: number;
  restarts: number;
  acknowledged: number;
  unacknowledged: number;
  lostWrites: string[];
  phantomRecords: string[];
}

interface Content {
  name: string;
  seq: string;
}

/** Small deterministic PRNG so a failing run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runCrashLoop(opts: { kills: number; writers?: number; seed?: number; maxKillDelayMs?: number }): Promise<CrashReport> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const data: PreparedData = await prepareData({ principals: 1, settings: { limits: { rate_limit_per_minute: 0 } } });
  const secret = data.principals[0]!.secret;
  const acked = new Map<string, Content>();
  /** Updates in flight by id: at a kill, the record may hold either content. */
  const pendingUpdates = new Map<string, Content>();
  /** Creates in flight by name: at a kill, the record may or may not exist. */
  const pendingCreates = new Set<string>();
  const report: CrashReport = { seed, kills: 0, restarts: 0, acknowledged: 0, unacknowledged: 0, lostWrites: [], phantomRecords: [] };
  let seq = 0;
  let server: SpawnedServer | undefined;

  try {
    for (let round = 0; round < opts.kills; round++) {
      server = await spawnServer(data);
      if (round > 0) {
        report.restarts++;
        await verify(server.url);
      }
      const base = server.url;
      let stop = false;
      const writer = async () => {
        while (!stop) {
          const n = ++seq;
          const ids = [...acked.keys()].filter((id) => !pendingUpdates.has(id));
          const update = ids.length > 0 && random() < 0.5;
          const content: Content = { name: `${update ? 'u' : 'c'}-${n}`, seq: String(n) };
          if (update) {
            const id = ids[Math.floor(random() * ids.length)]!;
            pendingUpdates.set(id, content);
            try {
              const r = await api<ApiBody>(base, secret, 'PATCH', `${CONFIGURATIONS}/${id}`, { name: content.name, metadata: { seq: content.seq } });
              if (r.status !== 200) throw new Error(`PATCH answered ${r.status}: ${r.text}`);
              acked.set(id, content);
              pendingUpdates.delete(id);
              report.acknowledged++;
            } catch (e) {
              if (!stop) throw e;
              report.unacknowledged++; // stays pending: resolved by the next verification
              return;
            }
          } else {
            pendingCreates.add(content.name);
            try {
              const r = await api<ApiBody>(base, secret, 'POST', CONFIGURATIONS, {
                personal_connector_id: 'pc_custom_mcp',
                name: content.name,
                configuration: { endpoint: 'https://example.com/mcp' },
                metadata: { seq: content.seq },
              });
              if (r.status !== 201 || !r.json?.id) throw new Error(`POST answered ${r.status}: ${r.text}`);
              acked.set(r.json.id, content);
              pendingCreates.delete(content.name);
              report.acknowledged++;
            } catch (e) {
              if (!stop) throw e;
              report.unacknowledged++;
              return;
            }
          }
        }
      };
      const running = Array.from({ length: opts.writers ?? 4 }, () => writer());
      // Kill at a random moment once this round has an acknowledged write: on a loaded machine a
      // fixed delay alone can pass before the first answer, and a round without one proves nothing.
      const acksBefore = report.acknowledged;
      // (A writer that fails ends the wait with its error.)
      await Promise.race([waitFor(() => report.acknowledged > acksBefore, `an acknowledged write in round ${round + 1}`), Promise.all(running)]);
      await sleep(10 + random() * (opts.maxKillDelayMs ?? 400));
      stop = true;
      await server.kill();
      report.kills++;
      await Promise.all(running);
    }
    server = await spawnServer(data);
    report.restarts++;
    await verify(server.url);
  } finally {
    await server?.kill();
    await data.remove();
  }
  return report;

  /** Compares what the restarted server serves (and the file holds) with what was acknowledged. */
  async function verify(base: string): Promise<void> {
    // The file itself must be complete JSON: the server opened it, and so must a plain reader.
    JSON.parse(await readFile(data.dataFile, 'utf8'));
    const seen = new Map<string, Content>();
    let after: string | undefined;
    for (;;) {
      const r = await api<ApiBody>(base, secret, 'GET', `${CONFIGURATIONS}?limit=100${after ? `&starting_after=${after}` : ''}`);
      if (r.status !== 200) throw new Error(`list answered ${r.status}: ${r.text}`);
      for (const o of r.json?.data ?? []) seen.set(o.id!, { name: o.name!, seq: o.metadata?.seq ?? '' });
      const last = r.json?.data?.at(-1)?.id;
      if (!r.json?.has_more || !last) break;
      after = last;
    }
    for (const [id, want] of acked) {
      const got = seen.get(id);
      const alt = pendingUpdates.get(id);
      const same = (c: Content | undefined) => got !== undefined && c !== undefined && got.name === c.name && got.seq === c.seq;
      if (!same(want) && !same(alt)) report.lostWrites.push(`${id}: acknowledged ${JSON.stringify(want)}, found ${JSON.stringify(got ?? null)}`);
      else if (got) acked.set(id, got); // whatever survived is now the durable baseline
    }
    for (const [id, got] of seen) {
      if (acked.has(id)) continue;
      if (pendingCreates.has(got.name)) acked.set(id, got); // an unacknowledged create that landed
      else report.phantomRecords.push(`${id}: ${JSON.stringify(got)}`);
    }
    pendingUpdates.clear();
    pendingCreates.clear();
  }
}
