import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiBody } from '../helpers/server.js';
import { ADMIN_URL, sql, terminateConnections } from '../helpers/postgres.js';
import { waitFor, waitForEvent } from '../helpers/timing.js';
import { CONFIGS, createConfig, startCluster, startPlainUpstream, type Cluster } from './cluster.js';
import { LegacySession, listChangedCount, type Listener } from './raw-mcp.js';

/**
 * What the replicas do when parts fail: the database goes away and comes back (simulated on the
 * shared server by refusing new connections to the test's database and terminating its backends,
 * which is what a restart looks like to a client), and one replica is killed under load.
 */
let cluster: Cluster;
let plain: Awaited<ReturnType<typeof startPlainUpstream>>;
const listeners: Listener[] = [];

beforeAll(async () => {
  plain = await startPlainUpstream();
  cluster = await startCluster({ principals: 1, settings: { limits: { rate_limit_per_minute: 0, mcp_rate_limit_per_minute: 0 } } });
});
afterAll(async () => {
  for (const l of listeners) l.close();
  // Whatever a failed test left behind: the database must take connections again to be dropped.
  await sql(ADMIN_URL, `ALTER DATABASE ${cluster?.db.name ?? 'postgres'} ALLOW_CONNECTIONS true`).catch(() => {});
  await cluster?.close();
  await plain?.close();
});

const secret = () => cluster.data.principals[0]!.secret;
const body = (name: string) => ({ personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint: plain.url } });
const alive = () => cluster.replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
/** What a replica that died wrote last: the assertion that notices the death shows why. */
const lastWords = () => cluster.replicas.filter((r) => !alive().includes(r)).map((r) => r.stderr().slice(-4000)).join('\n---\n');

describe('replicas when parts fail', () => {
  it('the database goes away: every replica answers 503 storage_unavailable with Retry-After, none crashes; it comes back: writes resume and changes reach other replicas again', async () => {
    await createConfig(cluster.nginx.url, secret(), 'First', plain.url);
    const watcher = await LegacySession.open(cluster.replicas[2]!.mcpUrl, secret());
    expect(await watcher.toolNames()).toEqual(['first_echo']);
    const stream = await watcher.listen();
    listeners.push(stream);

    await sql(ADMIN_URL, `ALTER DATABASE ${cluster.db.name} ALLOW_CONNECTIONS false`);
    expect(await terminateConnections(cluster.db.name)).toBeGreaterThan(0);
    try {
      for (const r of cluster.replicas) {
        const write = await api<ApiBody>(r.url, secret(), 'POST', CONFIGS, body('during the outage'));
        expect(write.status, write.text).toBe(503);
        expect(write.json?.error?.code).toBe('storage_unavailable');
        expect(Number(write.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        const read = await api<ApiBody>(r.url, secret(), 'GET', `${CONFIGS}?limit=10`);
        expect(read.status, read.text).toBe(503);
        // The database URL and its internals stay in the operator's log, not in answers.
        expect(write.text + read.text).not.toContain(cluster.db.name);
      }
    } finally {
      await sql(ADMIN_URL, `ALTER DATABASE ${cluster.db.name} ALLOW_CONNECTIONS true`);
    }
    expect(alive().length, lastWords()).toBe(3);

    // Back: each replica reconnects on its next request.
    for (const r of cluster.replicas) {
      await waitFor(async () => (await api(r.url, secret(), 'GET', `${CONFIGS}?limit=1`)).status === 200, `replica ${r.url} serving again`);
    }
    // Nothing written during the outage; a write through replica 0 now reaches the session on replica 2.
    const stored = await sql<{ name: string }>(cluster.db.url, `SELECT doc->>'name' AS name FROM cg_configurations`);
    expect(stored.map((s) => s.name)).toEqual(['First']);
    await createConfig(cluster.replicas[0]!.url, secret(), 'Second', plain.url);
    await waitFor(() => listChangedCount(stream) >= 1, 'list_changed on replica 2 after the database came back');
    expect(await watcher.toolNames()).toEqual(['first_echo', 'second_echo']);
    for (const r of cluster.replicas) expect(r.stderr()).not.toMatch(/"level":60/);
    expect(cluster.replicas.some((r) => /database connection lost|change feed connection lost/.test(r.stderr()))).toBe(true);
  });

  it('SIGKILL of one replica under load: every acknowledged write is in the database, the others keep serving, its sessions continue elsewhere', async () => {
    const victim = cluster.replicas[1]!;
    const survivors = [cluster.replicas[0]!, cluster.replicas[2]!];
    // A session the victim opened, and one a survivor holds.
    const orphan = await LegacySession.open(victim.mcpUrl, secret());
    const kept = await LegacySession.open(survivors[0]!.mcpUrl, secret());

    const acknowledged: string[] = [];
    const afterKill: { status: number; text: string }[] = [];
    let killed = false;
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const startedAfterKill = killed;
        const r = await api<ApiBody>(cluster.nginx.url, secret(), 'POST', CONFIGS, body(`load ${n++}`)).catch((e: unknown) => ({ status: 0, text: String(e), json: undefined }));
        if (r.status === 201) acknowledged.push(r.json!.id!);
        if (startedAfterKill) afterKill.push({ status: r.status, text: r.text });
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    await waitFor(() => acknowledged.length >= 40, 'forty acknowledged writes before the kill');
    const exited = waitForEvent(victim.child, 'exit', 'the killed replica to exit');
    victim.child.kill('SIGKILL');
    await exited;
    killed = true;
    await waitFor(() => afterKill.length >= 40, 'forty writes started after the kill');
    stop = true;
    await Promise.all(workers);

    // Requests sent after the replica was gone were all served by the other two.
    expect(afterKill.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([]);
    const rows = await sql<{ id: string }>(cluster.db.url, 'SELECT id FROM cg_configurations WHERE id = ANY($1)', [acknowledged]);
    expect(rows.length).toBe(acknowledged.length);
    for (const s of survivors) {
      expect(s.child.exitCode, s.stderr().slice(-4000)).toBeNull();
      // Each survivor serves every acknowledged write (read-your-writes across replicas).
      for (const id of acknowledged.slice(-5)) expect((await api(s.url, secret(), 'GET', `${CONFIGS}/${id}`)).status).toBe(200);
    }
    // The survivor's session goes on; the victim's session is taken over by whichever replica nginx picks.
    expect((await kept.toolNames()).length).toBeGreaterThan(0);
    const moved = orphan.via(`${cluster.nginx.url}/mcp`);
    for (let i = 0; i < 2; i++) {
      const { servedBy } = await moved.request('tools/list');
      expect([cluster.addresses[0], cluster.addresses[2]]).toContain(servedBy);
    }
  });
});
