import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliJson, runCli, tempEnv } from '../helpers/cli.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
}, 60_000);
afterAll(async () => db?.drop());

/** One line on stderr, no stack frame, exit code as given. */
function expectOneLine(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('PostgreSQL from the command line: migrate, refusals, import and export', () => {
  it('an unmigrated database is refused in one line naming it; migrate applies the schema once', async () => {
    const env = tempEnv({ CONNECTOR_GATEWAY_DATABASE_URL: db.url });
    expectOneLine(await runCli(['configs', 'list', '--user', 'usr_a'], env), 1, new RegExp(`database postgres://postgres@127\\.0\\.0\\.1:5432/${db.name} has no connector-gateway schema: run connector-gateway migrate`));
    expect(await sql(db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).toEqual([]); // nothing half-made

    expect(await cliJson(['migrate'], env)).toMatchObject({ object: 'migration', applied: ['0001_initial', '0002_oauth_registrations', '0003_key_policy', '0004_stored_settings', '0005_tool_prefix', '0006_ended_sessions'] });
    expect((await runCli(['migrate'], env)).stdout).toMatch(/is up to date/);
    expect(JSON.parse((await runCli(['configs', 'list', '--user', 'usr_a', '--json'], env)).stdout)).toMatchObject({ object: 'list', data: [] });
  }, 240_000);

  it('a database of a newer schema is refused by every command and by migrate, changing nothing', async () => {
    const env = tempEnv({ CONNECTOR_GATEWAY_DATABASE_URL: db.url });
    await sql(db.url, "INSERT INTO cg_migrations (name, run_on) VALUES ('9999_from_the_future', now())");
    try {
      expectOneLine(await runCli(['configs', 'list', '--user', 'usr_a'], env), 1, /has a newer schema \(migration 9999_from_the_future is unknown to this connector-gateway\); upgrade connector-gateway/);
      expectOneLine(await runCli(['serve', '--transport', 'http', '--port', '0'], env), 1, /has a newer schema/);
      expectOneLine(await runCli(['migrate'], env), 1, /has a newer schema/);
    } finally {
      await sql(db.url, "DELETE FROM cg_migrations WHERE name = '9999_from_the_future'");
    }
  }, 240_000);

  it('a wrong or unreachable database URL is one line naming it, never its password', async () => {
    const env = tempEnv();
    expectOneLine(await runCli(['configs', 'list', '--user', 'usr_a', '--database-url', 'mysql://root@127.0.0.1/x'], env), 2, /--database-url: must start with postgres:\/\/ or postgresql:\/\//);
    expectOneLine(await runCli(['configs', 'list', '--user', 'usr_a', '--database-url', 'not a url'], env), 2, /--database-url: is not a URL/);
    const down = await runCli(['configs', 'list', '--user', 'usr_a'], { ...env, CONNECTOR_GATEWAY_DATABASE_URL: 'postgres://admin:hunter2-secret@127.0.0.1:1/cg' });
    expectOneLine(down, 1, /database postgres:\/\/admin:\*\*\*@127\.0\.0\.1:1\/cg is unavailable \(ECONNREFUSED\)/);
    expect(down.stderr + down.stdout).not.toContain('hunter2');
    const noDb = await runCli(['configs', 'list', '--user', 'usr_a'], { ...env, CONNECTOR_GATEWAY_DATABASE_URL: db.url.replace(db.name, `${db.name}_missing`) });
    expectOneLine(noDb, 1, new RegExp(`${db.name}_missing does not exist: create it`));
  }, 240_000);

  it('with a database and no shared key, nothing starts (each replica would seal with its own key)', async () => {
    const env = tempEnv({ CONNECTOR_GATEWAY_DATABASE_URL: db.url, CONNECTOR_GATEWAY_KEY: '' });
    expectOneLine(await runCli(['configs', 'list', '--user', 'usr_a'], env), 2, /every replica must seal credentials with the same key: set CONNECTOR_GATEWAY_KEY/);
  }, 240_000);

  it('import then export moves everything, credentials still sealed under the same key id, nothing lost', async () => {
    // An embedded store with a key file (no key in the environment), two configurations, a key, audit.
    const target = await createTestDatabase();
    try {
      await importExport(target);
    } finally {
      await target.drop();
    }
  }, 240_000);

  it('the stored settings travel both ways: import carries the file’s into the database, export the database’s into the new file', async () => {
    const target = await createTestDatabase();
    try {
      // tempEnv stores allow_loopback=true beside the data file, as a user who ran `settings set` would.
      const env = tempEnv();
      expect((await runCli(['settings', 'set', 'allow_private', 'true', '--json'], env)).code).toBe(0);
      await cliJson(['keys', 'create', '--org', 'org_x', '--user', 'usr_a'], env);
      const stored = (json: { settings: Record<string, { stored: boolean | null }> }) => ({ allow_loopback: json.settings.allow_loopback!.stored, allow_private: json.settings.allow_private!.stored });

      const imported = await runCli(['import', '--from', env.CONNECTOR_GATEWAY_DATA!, '--database-url', target.url], env);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('Stored settings carried: allow_loopback=true, allow_private=true.');
      expect(await sql(target.url, 'SELECT doc FROM cg_settings')).toEqual([{ doc: expect.objectContaining({ allow_loopback: true, allow_private: true }) }]);
      expect(stored(await cliJson(['settings', 'show', '--database-url', target.url], env))).toEqual({ allow_loopback: true, allow_private: true });

      // Changed in the database, then exported: the new data file's settings are the database's.
      await cliJson(['settings', 'set', 'allow_private', 'false', '--database-url', target.url], env);
      const out = join(mkdtempSync(join(tmpdir(), 'cgw-export-')), 'exported.json');
      const exported = await cliJson<{ settings: Record<string, boolean> }>(['export', '--to', out, '--database-url', target.url], env);
      expect(exported.settings).toEqual({ allow_loopback: true, allow_private: false });
      expect(JSON.parse(readFileSync(`${out}.settings.json`, 'utf8'))).toMatchObject({ allow_loopback: true, allow_private: false });
      expect(statSync(`${out}.settings.json`).mode & 0o777).toBe(0o600);
      // The embedded store opens the exported file with them.
      expect(stored(await cliJson(['settings', 'show', '--data', out], { ...env, CONNECTOR_GATEWAY_DATA: out }))).toEqual({ allow_loopback: true, allow_private: false });
    } finally {
      await target.drop();
    }
  }, 240_000);
});

async function importExport(db: TestDatabase): Promise<void> {
  const env = tempEnv({ CONNECTOR_GATEWAY_KEY: '' });
  const mk = (name: string, creds: string) =>
    cliJson<{ id: string }>(['configs', 'create', '--user', 'usr_a', '--org', 'org_x', '--connector', 'pc_github', '--name', name, '--config', '{"repository":"acme/backend"}', '--credentials', creds, '--metadata', 'team=core'], env);
  const one = await mk('one', '{"type":"api_key","api_key":"PLANTED_import_secret_1"}');
  await mk('two', '{"type":"bearer","token":"PLANTED_import_secret_2"}');
  await runCli(['configs', 'update', one.id, '--user', 'usr_a', '--org', 'org_x', '--name', 'one renamed'], env);
  await cliJson(['keys', 'create', '--org', 'org_x', '--user', 'usr_a', '--name', 'ci'], env);
  const original = JSON.parse(readFileSync(env.CONNECTOR_GATEWAY_DATA!, 'utf8').replace(/"generation":\d+,/, '')) as { configurations: unknown[]; api_keys: unknown[] };

  const imported = await cliJson<{ configurations: number; api_keys: number; audit_events: number; key_ids: string[] }>(['import', '--from', env.CONNECTOR_GATEWAY_DATA!, '--database-url', db.url], env);
  expect(imported).toMatchObject({ configurations: 2, api_keys: 1 });
  expect(imported.audit_events).toBeGreaterThanOrEqual(4);
  expect(imported.key_ids).toHaveLength(1);
  // Sealed in the database as in the file: no clear secret in any row.
  const dump = JSON.stringify(await sql(db.url, 'SELECT doc FROM cg_configurations UNION ALL SELECT doc FROM cg_api_keys UNION ALL SELECT doc FROM cg_audit_events'));
  expect(dump).not.toContain('PLANTED_import');
  expect(dump).toContain(`"kid":"${imported.key_ids[0]}"`);

  // A second import into a non-empty database is refused, whole.
  expectOneLine(await runCli(['import', '--from', env.CONNECTOR_GATEWAY_DATA!, '--database-url', db.url], env), 1, /already holds 2 configuration\(s\) and 1 API key\(s\): import only into an empty database/);

  // The database serves them, opening the credentials with the key file beside the original data file.
  const viaDb = await cliJson<{ data: { id: string; name: string; version?: number }[] }>(['configs', 'list', '--user', 'usr_a', '--org', 'org_x', '--database-url', db.url], env);
  expect(viaDb.data.map((c) => c.name).sort()).toEqual(['one renamed', 'two']);

  const out = join(mkdtempSync(join(tmpdir(), 'cgw-export-')), 'exported.json');
  const exported = await cliJson<{ configurations: number; audit_events: number; key_ids: string[] }>(['export', '--to', out, '--database-url', db.url], env);
  expect(exported).toMatchObject({ configurations: 2, audit_events: imported.audit_events, key_ids: imported.key_ids });
  const back = JSON.parse(readFileSync(out, 'utf8').replace(/"generation":\d+,/, '')) as typeof original;
  const byId = (xs: unknown[]) => [...xs].sort((a, b) => String((a as { id: string }).id).localeCompare(String((b as { id: string }).id)));
  expect(byId(back.configurations)).toEqual(byId(original.configurations));
  expect(back.api_keys).toEqual(original.api_keys);
  expect(readFileSync(`${out}.audit.jsonl`, 'utf8').trim().split('\n')).toEqual(readFileSync(`${env.CONNECTOR_GATEWAY_DATA!}.audit.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.stringify(JSON.parse(l))));
  expectOneLine(await runCli(['export', '--to', out, '--database-url', db.url], env), 1, /already exists: export writes a new file only/);
}
