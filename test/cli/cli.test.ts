import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness, ROOT, type CliHarness } from './harness.js';

interface Conf {
  id: string;
  object: string;
  user_id?: string;
  api_key_id?: string;
  organization_id: string;
  name: string;
  enabled: boolean;
  health_status: string;
  metadata: Record<string, string>;
  configuration: Record<string, unknown>;
  description?: string;
}
interface List<T> {
  object: string;
  data: T[];
}

let h: CliHarness;
beforeAll(async () => {
  h = await cliHarness();
});
afterAll(async () => h.close());

const create = ['configs', 'create', '--connector', 'pc_github', '--name', 'My GitHub', '--config', '{"repository":"acme/backend"}'];

describe('connector-gateway --version and a busy port', () => {
  it('--version prints the version and exits 0', async () => {
    const h = await cliHarness();
    try {
      const r = await h.run(['--version']);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe((JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    } finally {
      await h.close();
    }
  });

  it('serve on a busy port names the port and how to choose another (exit 2)', async () => {
    const h = await cliHarness();
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = await h.run(['serve', '--transport', 'http', '--host', '127.0.0.1', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: port: 127.0.0.1:${port} is already in use; choose another with --port N (env CONNECTOR_GATEWAY_PORT), or --port 0 for any free port`);
    } finally {
      busy.close();
      await h.close();
    }
  });
});

describe('configs', () => {
  it('creates with --json: one JSON object, defaults from the principal', async () => {
    const c = await h.json<Conf>([...create, '--credentials', '{"type":"api_key","api_key":"ghp_cliSecret_1"}', '--metadata', 'team=core', '--metadata', 'env=prod', '--description', 'work']);
    expect(c).toMatchObject({ object: 'personal_connector.configuration', user_id: 'usr_local', organization_id: 'org_local', enabled: true, health_status: 'unknown', metadata: { team: 'core', env: 'prod' }, description: 'work' });
    expect(c).not.toHaveProperty('credentials');
  });

  it('reads credentials from a file or stdin and honours --user/--org/--api-key-id/--disabled', async () => {
    const file = join(h.dir, 'creds.json');
    await writeFile(file, '{"type":"bearer","token":"tok_fromFile"}');
    const a = await h.json<Conf>([...create, '--credentials-file', file, '--user', 'usr_x', '--org', 'org_x', '--disabled']);
    expect(a).toMatchObject({ user_id: 'usr_x', organization_id: 'org_x', enabled: false });
    const r = await h.run([...create, '--credentials-file', '-', '--api-key-id', 'key_robot', '--json'], { stdin: '{"type":"api_key","api_key":"from_stdin"}' });
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout) as Conf;
    expect(b.api_key_id).toBe('key_robot');
    expect(b.user_id).toBeUndefined();
    const viaEnv = await h.run(['configs', 'list', '--json'], { env: { CONNECTOR_GATEWAY_USER: 'usr_x', CONNECTOR_GATEWAY_ORG: 'org_x' } });
    expect((JSON.parse(viaEnv.stdout) as List<Conf>).data.map((c) => c.id)).toEqual([a.id]);
  });

  it('lists with filters, gets, updates (merge), tests and deletes', async () => {
    const c = await h.json<Conf>([...create, '--name', 'second', '--credentials', '{"type":"api_key","api_key":"k"}', '--metadata', 'team=web']);
    const web = await h.json<List<Conf>>(['configs', 'list', '--metadata', 'team=web']);
    expect(web).toMatchObject({ object: 'list' });
    expect(web.data.map((x) => x.id)).toEqual([c.id]);
    expect((await h.json<List<Conf>>(['configs', 'list', '--enabled', 'false'])).data).toEqual([]);
    expect((await h.json<List<Conf>>(['configs', 'list', '--connector', 'pc_github', '--limit', '1'])).data).toHaveLength(1);

    expect((await h.json<Conf>(['configs', 'get', c.id])).name).toBe('second');
    const u = await h.json<Conf>(['configs', 'update', c.id, '--config', '{"branch":"dev"}', '--disable', '--metadata', 'team=', '--metadata', 'owner=me', '--description', 'x']);
    expect(u).toMatchObject({ enabled: false, configuration: { repository: 'acme/backend', branch: 'dev' }, metadata: { owner: 'me' }, description: 'x' });
    const cleared = await h.json<Conf>(['configs', 'update', c.id, '--description', '']);
    expect(cleared.description).toBeUndefined();

    // The base URL is loopback, which the default network policy refuses: a real check that fails
    // before any request leaves the machine. A new destination needs the credentials again.
    const moved = await h.run(['configs', 'update', c.id, '--config', '{"api_base_url":"http://127.0.0.1:9"}']);
    expect(moved.code).toBe(2);
    expect(moved.stderr).toContain('configuration.api_base_url: changing where the credentials are sent requires the credentials again');
    await h.json<Conf>(['configs', 'update', c.id, '--config', '{"api_base_url":"http://127.0.0.1:9"}', '--credentials', '{"type":"api_key","api_key":"ghp_cliSecret_1"}']);
    // An unhealthy result is printed, and the exit code says the configuration does not work.
    const testRun = await h.run(['configs', 'test', c.id, '--data', h.dataFile, '--json']);
    expect(testRun.code).toBe(1);
    const t = JSON.parse(testRun.stdout) as Conf & { last_error?: string };
    expect(t.health_status).toBe('unhealthy');
    expect(t.last_error).toEqual(expect.any(String));
    expect(testRun.stderr).toContain(`error: ${c.id} is unhealthy: `);
    // …and `configs list --health unhealthy` finds it.
    const unhealthy = await h.json<{ data: Conf[] }>(['configs', 'list', '--health', 'unhealthy']);
    expect(unhealthy.data.map((x) => x.id)).toEqual([c.id]);

    const human = await h.run(['configs', 'list']);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+CONNECTOR\s+ENABLED\s+HEALTH\s+UPDATED/);
    expect(human.stdout).toContain(c.id);

    expect(await h.json(['configs', 'delete', c.id])).toEqual({ id: c.id, object: 'personal_connector.configuration', deleted: true });
    const gone = await h.run(['configs', 'get', c.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`error: no such configuration: ${c.id}\n`);
    expect(gone.stdout).toBe('');
    // --json: the error is one JSON object on stdout, the human line still on stderr.
    const goneJson = await h.run(['configs', 'get', c.id, '--json']);
    expect(goneJson.code).toBe(1);
    expect(JSON.parse(goneJson.stdout)).toEqual({ error: { type: 'not_found_error', code: 'resource_missing', message: `no such configuration: ${c.id}`, param: 'id' } });
    expect(goneJson.stderr).toBe(`error: no such configuration: ${c.id}\n`);
    const badFlag = await h.run(['configs', 'list', '--limit', 'many', '--json']);
    expect(badFlag.code).toBe(2);
    expect(JSON.parse(badFlag.stdout)).toMatchObject({ error: { type: 'invalid_request_error', param: 'limit' } });
    const unknownOption = await h.run(['configs', 'list', '--colour', '--json']);
    expect(unknownOption.code).toBe(2);
    expect(JSON.parse(unknownOption.stdout)).toMatchObject({ error: { type: 'invalid_request_error', code: 'unknown_option' } });
  });

  it.each([
    [['--config', '{"repository":"acme"}'], 'error: configuration.repository: must be owner/repo'],
    [['--config', '{not json'], 'error: configuration: --config is not valid JSON'],
    [['--connector', 'pc_gitlab'], 'error: personal_connector_id: unknown connector "pc_gitlab"; valid ids: pc_github, pc_clickup, pc_jira, pc_teams, pc_custom_mcp'],
    [['--credentials', '{"type":"password"}'], 'error: credentials.type must be one of api_key, oauth2, bearer'],
    [['--metadata', 'novalue'], 'error: metadata: --metadata expects key=value'],
    [['--user', 'bad user!'], 'error: user_id: must be 1-128 characters'],
  ])('exits 2 with one line on stderr for bad input %j', async (extra, line) => {
    const before = await h.dataFileText();
    const base = extra.includes('--credentials') ? create : [...create, '--credentials', '{"type":"api_key","api_key":"k"}'];
    const r = await h.run([...base, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.startsWith(line)).toBe(true);
    expect(await h.dataFileText()).toBe(before);
  });

  it("--tool-prefix on create and update: '' for none, a clash refused naming the other configuration", async () => {
    const who = ['--user', 'usr_prefix'];
    const plain = await h.json<Conf & { tool_prefix: string }>([...create, ...who, '--credentials', '{"type":"api_key","api_key":"k"}', '--tool-prefix', '']);
    expect(plain.tool_prefix).toBe('');
    const named = await h.json<Conf & { tool_prefix: string }>([...create, ...who, '--name', 'Second', '--credentials', '{"type":"api_key","api_key":"k"}', '--tool-prefix', 'gh2']);
    expect(named.tool_prefix).toBe('gh2');

    const before = await h.dataFileText();
    const clash = await h.run(['configs', 'update', named.id, ...who, '--tool-prefix', '']);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toBe('');
    expect(clash.stderr).toMatch(new RegExp(`^error: tool_prefix: with no tool_prefix this configuration's tool "\\w+" would have the same name as a tool of configuration "My GitHub" \\(${plain.id}\\); choose another prefix\\n$`));
    expect(await h.dataFileText()).toBe(before);

    const moved = await h.json<Conf & { tool_prefix: string }>(['configs', 'update', plain.id, ...who, '--tool-prefix', 'gh1']);
    expect(moved.tool_prefix).toBe('gh1');
    expect((await h.json<Conf & { tool_prefix: string }>(['configs', 'update', named.id, ...who, '--tool-prefix', ''])).tool_prefix).toBe('');
  });

  it('exits 2 for unknown commands and options, 0 for --help', async () => {
    const r = await h.run(['configs', 'frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect((await h.run(['configs', 'list', '--nope'])).code).toBe(2);
    expect((await h.run(['--help'])).code).toBe(0);
  });

  it('CONNECTOR_GATEWAY_OPTIMIZE_FOR takes speed or memory; anything else exits 2 naming the variable', async () => {
    for (const mode of ['speed', 'memory']) {
      const ok = await h.spawn(['connectors', 'list', '--json'], { env: { CONNECTOR_GATEWAY_OPTIMIZE_FOR: mode } });
      expect(ok.code).toBe(0);
    }
    const bad = await h.spawn(['connectors', 'list'], { env: { CONNECTOR_GATEWAY_OPTIMIZE_FOR: 'fast' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CONNECTOR_GATEWAY_OPTIMIZE_FOR must be "speed" or "memory", not "fast"');
  });
});

describe('connectors and keys', () => {
  it('connectors list --json includes each connector tools', async () => {
    const l = await h.json<List<{ id: string; tools: { name: string; inputSchema: unknown }[] }>>(['connectors', 'list']);
    expect(l.data.map((c) => c.id)).toEqual(['pc_github', 'pc_clickup', 'pc_jira', 'pc_teams', 'pc_custom_mcp']);
    for (const c of l.data) expect(Array.isArray(c.tools)).toBe(true);
  });

  it('keys create shows the secret once; keys list never; revoke works', async () => {
    const k = await h.json<{ id: string; object: string; organization_id: string; user_id: string; secret: string; created_at: string }>(['keys', 'create', '--org', 'org_k', '--user', 'usr_k', '--name', 'ci']);
    expect(k).toMatchObject({ object: 'api_key', organization_id: 'org_k', user_id: 'usr_k' });
    expect(k.id).toMatch(/^key_[A-Za-z0-9]+$/);
    expect(k.secret).toMatch(/^cgw_[A-Za-z0-9]{40}$/);
    const human = await h.run(['keys', 'create', '--org', 'org_k']);
    const secret2 = /cgw_[A-Za-z0-9]{40}/.exec(human.stdout)?.[0];
    expect(secret2).toBeDefined();

    for (const args of [['keys', 'list'], ['keys', 'list', '--json'], ['keys', 'list', '--org', 'org_k', '--json']]) {
      const r = await h.run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(k.id);
      expect(r.stdout).not.toContain(k.secret);
      expect(r.stdout).not.toContain(secret2!);
    }
    expect(await h.dataFileText()).not.toContain(k.secret);
    const revoked = await h.json<{ revoked_at?: string }>(['keys', 'revoke', k.id]);
    expect(revoked.revoked_at).toEqual(expect.any(String));
    expect((await h.run(['keys', 'revoke', 'key_nothing'])).code).toBe(1);
  });
});

describe('the binary', () => {
  it('exits 2 with one stderr line and clean stdout for a validation error', async () => {
    const r = await h.spawn([...create, '--credentials', '{"type":"api_key","api_key":"k"}', '--config', '{"repository":"nope"}']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: configuration\.repository: must be owner\/repo/);
  });
});
