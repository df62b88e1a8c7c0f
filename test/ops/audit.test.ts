import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/domain/logger.js';
import type { ToolCallEvent } from '../../src/gateway/types.js';
import { auditObserver } from '../../src/observability/audit-observer.js';
import { LowdbStore } from '../../src/store/lowdb.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { AuditEvent, Store } from '../../src/store/types.js';
import { runCli } from '../../src/cli/program.js';
import { startApi, TEST_KEY, type ApiHarness } from '../api/harness.js';

const PLANTED = { first: 'PLANTED_audit_first_9d1c', second: 'PLANTED_audit_second_77ab' };

function call(owner: ToolCallEvent['owner'], n: number, extra: Partial<ToolCallEvent> = {}): ToolCallEvent {
  return {
    owner,
    principal: `${owner.organization_id}/${owner.user_id ?? owner.api_key_id ?? ''}`,
    configurationId: `pconf_${owner.user_id ?? 'key'}${n}`,
    connectorId: 'pc_custom_mcp',
    tool: `cfg_tool${n}`,
    upstreamTool: `tool${n}`,
    durationMs: 1.234,
    outcome: 'success',
    ...extra,
  };
}

/** The store, counting how many batch writes reach it. */
function counting(store: Store): Pick<Store, 'appendAuditBatch'> & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    async appendAuditBatch(events) {
      batches.push(events.length);
      await store.appendAuditBatch(events);
    },
  };
}

describe('tool calls in the audit trail', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cgw-audit-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes in batches (100 at once, the rest on close), one line per call, each owner seeing only its own', async () => {
    const store = await LowdbStore.open({ file: join(dir, 'batch.json'), fsync: false });
    const sink = counting(store);
    const audit = auditObserver(sink, { log: silentLogger, flushMs: 60_000 });
    const alice = { organization_id: 'org_a', user_id: 'usr_alice' };
    const bob = { organization_id: 'org_a', user_id: 'usr_bob' };
    const key = { organization_id: 'org_b', api_key_id: 'key_robot' };
    for (let i = 0; i < 150; i++) audit.toolCalled!(call(i % 2 ? alice : bob, i, i === 7 ? { outcome: 'upstream_error', errorKind: 'timeout' } : {}));
    for (let i = 0; i < 3; i++) audit.toolCalled!(call(key, i, { outcome: 'tool_error' }));
    // The 100th call triggered a write by itself; the timer (a minute here) has not fired.
    await expect.poll(() => sink.batches).toEqual([100]);
    await audit.close();
    expect(sink.batches).toEqual([100, 53]);

    const lines = (await readFile(join(dir, 'batch.json.audit.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(153);
    const events = lines.map((l) => JSON.parse(l) as AuditEvent);
    expect(events.every((e) => e.action === 'tool.called')).toBe(true);

    const of = async (owner: typeof alice | typeof key) => (await store.listAudit(owner, { limit: 100 })).data;
    const aliceEvents = await of(alice);
    expect(aliceEvents).toHaveLength(75);
    expect(aliceEvents.every((e) => e.user_id === 'usr_alice' && e.organization_id === 'org_a')).toBe(true);
    const keyEvents = await of(key);
    expect(keyEvents.map((e) => e.api_key_id)).toEqual(['key_robot', 'key_robot', 'key_robot']);
    expect(keyEvents[0]).toMatchObject({ target: 'pconf_key2', outcome: 'failure', detail: { tool: 'cfg_tool2', upstream_tool: 'tool2', outcome: 'tool_error', duration_ms: 1.23 } });
    const failed = events.find((e) => e.target === 'pconf_usr_alice7');
    expect(failed).toMatchObject({ outcome: 'failure', detail: { outcome: 'upstream_error', error_kind: 'timeout' } });
    // Only what the contract names: never arguments or results.
    expect(Object.keys(failed!.detail!).sort()).toEqual(['connector', 'duration_ms', 'error_kind', 'outcome', 'tool', 'upstream_tool']);
    await store.close();
  });

  it('batches from two processes sharing the file interleave as whole lines', async () => {
    const file = join(dir, 'shared.json');
    const one = await LowdbStore.open({ file, fsync: false });
    const two = await LowdbStore.open({ file, fsync: false });
    const batch = (store: string, b: number) =>
      Array.from({ length: 300 }, (_, i): AuditEvent => ({
        id: `evt_${store}${b}x${i}`,
        object: 'audit_event',
        created_at: new Date().toISOString(),
        organization_id: 'org_a',
        user_id: 'usr_alice',
        action: 'tool.called',
        target: `pconf_${'x'.repeat(200)}`,
        outcome: 'success',
      }));
    // 300 lines of ~400 bytes: more than one 64 KiB write per batch.
    await Promise.all(Array.from({ length: 6 }, (_, b) => (b % 2 ? one : two).appendAuditBatch(batch(b % 2 ? 'one' : 'two', b))));
    const lines = (await readFile(`${file}.audit.jsonl`, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(1800);
    expect(new Set(lines.map((l) => (JSON.parse(l) as AuditEvent).id)).size).toBe(1800);
    expect((await one.listAudit(undefined, { limit: 100 })).data).toHaveLength(100);
    await one.close();
    await two.close();
  });

  it('a few calls are written by the timer without any close', async () => {
    const store = new MemoryStore();
    const sink = counting(store);
    const audit = auditObserver(sink, { log: silentLogger, flushMs: 20 });
    audit.toolCalled!(call({ organization_id: 'org_a', user_id: 'usr_alice' }, 1));
    audit.toolCalled!(call({ organization_id: 'org_a', user_id: 'usr_alice' }, 2));
    await expect.poll(() => sink.batches).toEqual([2]);
    expect((await store.listAudit(undefined, { limit: 10 })).data.map((e) => e.target)).toEqual(['pconf_usr_alice2', 'pconf_usr_alice1']);
  });

  it('a failing store costs the events, never the call', async () => {
    const store = await LowdbStore.open({ file: join(dir, 'closed.json'), fsync: false });
    await store.close();
    const audit = auditObserver(store, { log: silentLogger });
    expect(() => audit.toolCalled!(call({ organization_id: 'org_a', user_id: 'usr_alice' }, 1))).not.toThrow();
    await expect(audit.close()).resolves.toBeUndefined();
  });
});

describe('management changes in the audit trail, per principal', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli([...args, '--data', api.dataFile], {
      env: { CONNECTOR_GATEWAY_KEY: TEST_KEY, CONNECTOR_GATEWAY_LOG_LEVEL: 'silent', ...env },
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      readStdin: async () => '',
    });
    return { code, stdout, stderr };
  };
  type List = { object: string; data: AuditEvent[]; has_more: boolean };

  it('records create/update/delete, key create/revoke and rotation; GET /v1/audit_events shows each principal only its own', async () => {
    const body = (name: string, secret: string) => ({
      personal_connector_id: 'pc_github',
      name,
      configuration: { repository: 'acme/backend' },
      credentials: { type: 'api_key', api_key: secret },
    });
    const a = await api.request('POST', '/v1/personal_connectors/configurations', { key: api.keys.a1, body: body('Alice GitHub', PLANTED.first) });
    expect(a.status).toBe(201);
    const aId = a.json.id!;
    expect((await api.request('PATCH', `/v1/personal_connectors/configurations/${aId}`, { key: api.keys.a1, body: { name: 'Renamed', credentials: { type: 'api_key', api_key: PLANTED.second } } })).status).toBe(200);
    const b = await api.request('POST', '/v1/personal_connectors/configurations', { key: api.keys.a2, body: body('Bob GitHub', PLANTED.first) });
    const bId = b.json.id!;
    expect((await api.request('DELETE', `/v1/personal_connectors/configurations/${aId}`, { key: api.keys.a1 })).status).toBe(200);

    const created = await cli(['keys', 'create', '--org', 'org_a', '--user', 'usr_a1', '--json']);
    expect(created.code).toBe(0);
    const keyId = (JSON.parse(created.stdout) as { id: string; secret: string }).id;
    expect((await cli(['keys', 'revoke', keyId])).code).toBe(0);

    const mine = await api.request('GET', '/v1/audit_events?limit=100', { key: api.keys.a1 });
    expect(mine.status).toBe(200);
    const list = mine.json as unknown as List;
    expect(list.object).toBe('list');
    expect(list.data.map((e) => `${e.action} ${e.target ?? ''}`)).toEqual([
      `api_key.created ${keyId}`,
      `configuration.deleted ${aId}`,
      `configuration.updated ${aId}`,
      `configuration.created ${aId}`,
      // the API keys of the harness, created for this user
      expect.stringMatching(/^api_key\.created key_/),
    ]);
    expect(list.data.every((e) => e.organization_id === 'org_a' && e.user_id === 'usr_a1')).toBe(true);

    const other = (await api.request('GET', '/v1/audit_events', { key: api.keys.a2 })).json as unknown as List;
    expect(other.data.map((e) => e.target)).toContain(bId);
    expect(other.data.map((e) => e.target)).not.toContain(aId);
    expect(other.data.every((e) => e.user_id === 'usr_a2')).toBe(true);
    const stranger = (await api.request('GET', '/v1/audit_events', { key: api.keys.b1 })).json as unknown as List;
    expect(stranger.data.map((e) => e.action)).toEqual(['api_key.created']);

    // Pages: newest first, cursor by id; another principal's event id is not a cursor here.
    const page1 = (await api.request('GET', '/v1/audit_events?limit=2', { key: api.keys.a1 })).json as unknown as List;
    expect(page1.has_more).toBe(true);
    const page2 = (await api.request('GET', `/v1/audit_events?limit=2&starting_after=${page1.data[1]!.id}`, { key: api.keys.a1 })).json as unknown as List;
    expect(page2.data.map((e) => e.id)).toEqual(list.data.slice(2, 4).map((e) => e.id));
    const foreign = await api.request('GET', `/v1/audit_events?starting_after=${other.data[0]!.id}`, { key: api.keys.a1 });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error?.param).toBe('starting_after');
    expect((await api.request('GET', '/v1/audit_events?user_id=usr_a2', { key: api.keys.a1 })).json.error?.param).toBe('user_id');
    expect((await api.request('GET', '/v1/audit_events?limit=0', { key: api.keys.a1 })).json.error?.param).toBe('limit');
    expect((await api.request('GET', '/v1/audit_events', { key: null })).status).toBe(401);
    expect((await api.request('POST', '/v1/audit_events', { key: api.keys.a1 })).status).toBe(405);

    // Rotation (keys in the environment: the new one first) is an operator event, in org "system".
    const newKey = Buffer.alloc(32, 3).toString('base64');
    const rotatedEnv = { CONNECTOR_GATEWAY_KEY: `${newKey},${TEST_KEY}` };
    const rotated = await cli(['keyring', 'rotate', '--json'], rotatedEnv);
    expect(rotated.code).toBe(0);
    // The credentials are now sealed under the new key: the old key alone is refused (key_missing).
    expect((await cli(['audit', 'list', '--org', 'system', '--json'])).code).toBe(1);
    const system = JSON.parse((await cli(['audit', 'list', '--org', 'system', '--json'], rotatedEnv)).stdout) as List;
    expect(system.data).toHaveLength(1);
    expect(system.data[0]).toMatchObject({ action: 'keyring.rotated', outcome: 'success', detail: { resealed: 1, failed: 0 } });

    // The operator's view: revocations are filed under the key itself.
    const all = JSON.parse((await cli(['audit', 'list', '--limit', '100', '--json'], rotatedEnv)).stdout) as List;
    expect(all.data.find((e) => e.action === 'api_key.revoked')).toMatchObject({ target: keyId, api_key_id: keyId, organization_id: 'org_a' });
    const byUser = JSON.parse((await cli(['audit', 'list', '--org', 'org_a', '--user', 'usr_a1', '--limit', '100', '--json'], rotatedEnv)).stdout) as List;
    expect(byUser.data.map((e) => e.id)).toEqual(list.data.map((e) => e.id));
    const orgB = JSON.parse((await cli(['audit', 'list', '--org', 'org_b', '--limit', '1', '--json'], rotatedEnv)).stdout) as List;
    expect(orgB.data).toHaveLength(1);
    expect(orgB.has_more).toBe(true);
    const table = await cli(['audit', 'list', '--org', 'org_a', '--limit', '3'], rotatedEnv);
    expect(table.stdout).toMatch(/^ID\s+CREATED\s+ACTION/);
    expect(table.stdout).toMatch(/more: --starting-after evt_/);

    const raw = await readFile(`${api.dataFile}.audit.jsonl`, 'utf8');
    for (const secret of [PLANTED.first, PLANTED.second, api.keys.a1, api.keys.a2, JSON.parse(created.stdout).secret as string, TEST_KEY, newKey]) {
      expect(raw).not.toContain(secret);
    }
  });
});
