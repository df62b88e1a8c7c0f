import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/everything.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { cliHarness, type CliHarness } from '../cli/harness.js';

const PLANTED = 'PLANTED_doctor_token_5e5e';
const LOOPBACK = { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' };

interface Report {
  ok: boolean;
  checks: { name: string; status: string; message: string; ids?: string[] }[];
}

let upstream: Awaited<ReturnType<typeof startUpstream>>;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => upstream.close());

let h: CliHarness;
beforeEach(async () => {
  h = await cliHarness();
});
afterEach(async () => h.close());

async function createCustom(name: string, endpoint: string): Promise<string> {
  const r = await h.run(
    ['configs', 'create', '--connector', 'pc_custom_mcp', '--name', name, '--config', JSON.stringify({ endpoint }), '--credentials', JSON.stringify({ type: 'api_key', api_key: PLANTED }), '--json'],
    { env: LOOPBACK },
  );
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

const failLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('FAIL'));

describe('doctor', () => {
  it('passes on a healthy setup, with one line per configuration', async () => {
    const id = await createCustom('Fake upstream', upstream.url);
    const r = await h.run(['doctor'], { env: LOOPBACK });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^OK\s+data file: .*schema_version 3, 1 configuration/m);
    expect(r.stdout).toMatch(/^OK\s+key: 1 key\(s\) from CONNECTOR_GATEWAY_KEY/m);
    expect(r.stdout).toMatch(/^OK\s+credentials: the key opens all 1 sealed credential/m);
    expect(r.stdout).toMatch(new RegExp(`^OK\\s+configuration ${id}: Fake upstream \\(pc_custom_mcp\\) is healthy$`, 'm'));
    expect(r.stdout).toMatch(/All checks passed\.\n$/);
    expect(upstream.seen.authorization).toContain(`Bearer ${PLANTED}`);
    expect(r.stdout + r.stderr).not.toContain(PLANTED);
  });

  it('fails on an unhealthy configuration (a closed loopback port), naming it and what to do', async () => {
    await createCustom('Fine', upstream.url);
    const port = await freePort();
    const id = await createCustom('Gone away', `http://127.0.0.1:${port}/mcp`);
    const r = await h.run(['doctor', '--json'], { env: LOOPBACK });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.name).toBe(`configuration ${id}`);
    expect(failed[0]!.message).toMatch(/^Gone away \(pc_custom_mcp\) is unhealthy: .+; fix it with connector-gateway configs update pconf_\w+ --org org_local --user usr_local/);
    expect(failed[0]!.message).toContain('--disable');
  });

  it('fails on a wrong key, listing every configuration it cannot open', async () => {
    const ids = [await createCustom('One', upstream.url), await createCustom('Two', upstream.url)];
    const wrong = Buffer.alloc(32, 1).toString('base64');
    const r = await h.run(['doctor', '--skip-health', '--json'], { env: { CONNECTOR_GATEWAY_KEY: wrong } });
    expect(r.code).toBe(1);
    const failed = (JSON.parse(r.stdout) as Report).checks.filter((c) => c.status === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: 'credentials' });
    expect(failed[0]!.message).toMatch(/^2 of 2 sealed credential\(s\) cannot be opened .*set CONNECTOR_GATEWAY_KEY to the key they were written with/);
    expect([...failed[0]!.ids!].sort()).toEqual([...ids].sort());
  });

  it('fails on a corrupt data file, leaves it alone, and checks nothing that depends on it', async () => {
    await writeFile(h.dataFile, '{"schema_version":1,"configurations":[');
    const r = await h.run(['doctor']);
    expect(r.code).toBe(1);
    expect(failLines(r.stdout)).toEqual([expect.stringMatching(/^FAIL\s+data file: data file .* is not valid JSON \(truncated or corrupt\).*restore it from a backup/)]);
    expect((await h.dataFileText()).split('\u0000')[0]).toBe('{"schema_version":1,"configurations":[');
  });

  it('fails on a data file written by a newer version, and on a record that breaks the schema', async () => {
    await writeFile(h.dataFile, '{"schema_version":99,"configurations":[],"api_keys":[]}');
    const newer = await h.run(['doctor']);
    expect(failLines(newer.stdout)).toEqual([expect.stringMatching(/^FAIL\s+data file: .*schema_version 99.*upgrade connector-gateway/)]);
    await writeFile(h.dataFile, '{"schema_version":1,"generation":1,"configurations":[{"id":"pconf_x","credentials_sealed":1}],"api_keys":[]}');
    const broken = await h.run(['doctor']);
    expect(broken.code).toBe(1);
    expect(failLines(broken.stdout)).toEqual([expect.stringMatching(/^FAIL\s+data file: .*configurations\[0\]\.object: .*fix that record by hand, or restore the file from a backup$/)]);
  });

  it('each problem has its own message', async () => {
    const messages = new Set<string>();
    await createCustom('Gone away', `http://127.0.0.1:${await freePort()}/mcp`);
    messages.add(failLines((await h.run(['doctor'], { env: LOOPBACK })).stdout).join('\n').replace(/pconf_\w+/g, 'ID'));
    messages.add(failLines((await h.run(['doctor', '--skip-health'], { env: { CONNECTOR_GATEWAY_KEY: Buffer.alloc(32, 1).toString('base64') } })).stdout).join('\n').replace(/pconf_\w+/g, 'ID'));
    await writeFile(h.dataFile, 'not json');
    messages.add(failLines((await h.run(['doctor'])).stdout).join('\n'));
    expect([...messages].filter((m) => m !== '')).toHaveLength(3);
  });

  it('with a key file: warns about loose permissions with the chmod to run; fails when the key file is gone', async () => {
    const fileKey = { CONNECTOR_GATEWAY_KEY: '' };
    expect((await h.run(['configs', 'create', '--connector', 'pc_github', '--name', 'GH', '--config', '{"repository":"acme/backend"}', '--credentials', `{"type":"api_key","api_key":"${PLANTED}"}`], { env: fileKey })).code).toBe(0);
    await chmod(h.dataFile, 0o644);
    await chmod(`${h.dataFile}.key`, 0o640);
    const loose = await h.run(['doctor', '--skip-health'], { env: { ...fileKey, CONNECTOR_GATEWAY_LOG_LEVEL: 'silent' } });
    expect(loose.code).toBe(0); // a warning, not a failure
    expect(loose.stdout).toContain(`WARN  permissions: data file ${h.dataFile} is readable or writable by other users (mode 0644); run: chmod 600 ${h.dataFile}`);
    expect(loose.stdout).toContain(`run: chmod 600 ${h.dataFile}.key`);

    const { rename } = await import('node:fs/promises');
    await rename(`${h.dataFile}.key`, `${h.dataFile}.key.bak`);
    const gone = await h.run(['doctor', '--skip-health'], { env: fileKey });
    expect(gone.code).toBe(1);
    expect(failLines(gone.stdout)).toEqual([expect.stringMatching(/^FAIL\s+key: the key file .*\.key is missing, so 1 sealed credential\(s\) cannot be opened; restore it from a backup/)]);
    // Doctor never makes a new key next to data sealed with another one.
    expect((await readdir(h.dir)).filter((f) => f.endsWith('.key'))).toEqual([]);
  });

  it('never creates a data file or a key file where there is none', async () => {
    const file = join(h.dir, 'fresh', 'data.json');
    const r = await h.run(['doctor', '--data', file], { env: { CONNECTOR_GATEWAY_KEY: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WARN\s+data file: .*does not exist yet/m);
    expect(r.stdout).toMatch(/^WARN\s+key: no key yet/m);
    expect(await readdir(h.dir)).not.toContain('fresh');
  });

  it('checks the settings file: it parses, and the OAuth client secrets it names are set', async () => {
    const settings = join(h.dir, 'settings.json');
    await writeFile(settings, JSON.stringify({ oauth: { pc_github: { token_endpoint: 'https://github.com/login/oauth/access_token', client_id: 'abc', client_secret_env: 'CGW_TEST_GH_SECRET' } } }), { mode: 0o600 });
    const missing = await h.run(['doctor', '--skip-health'], { env: { CONNECTOR_GATEWAY_CONFIG: settings } });
    expect(missing.code).toBe(1);
    expect(failLines(missing.stdout)).toEqual([expect.stringMatching(/^FAIL\s+settings: oauth\.pc_github\.client_secret_env names CGW_TEST_GH_SECRET, which is not set; export it/)]);
    const present = await h.run(['doctor', '--skip-health'], { env: { CONNECTOR_GATEWAY_CONFIG: settings, CGW_TEST_GH_SECRET: 'x' } });
    expect(present.code).toBe(0);
    expect(present.stdout).toMatch(/^OK\s+settings: oauth\.pc_github: client secret found in CGW_TEST_GH_SECRET/m);
    await writeFile(settings, '{"network": {"allow_loopback": "yes"}}');
    const invalid = await h.run(['doctor', '--skip-health'], { env: { CONNECTOR_GATEWAY_CONFIG: settings } });
    expect(invalid.code).toBe(1);
    expect(failLines(invalid.stdout)).toEqual([expect.stringMatching(/^FAIL\s+settings: settings file .*network\.allow_loopback: .*; fix the file or unset CONNECTOR_GATEWAY_CONFIG/)]);
  });
});
