import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliHarness, type CliHarness } from './harness.js';

const create = ['configs', 'create', '--connector', 'pc_github', '--name', 'gh', '--config', '{"repository":"acme/backend"}', '--credentials', '{"type":"bearer","token":"ghp_sealed_1"}'];

/** Never a silently new key: sealed data and a missing or wrong key make every command that needs them refuse. */
describe('keys that do not open the data', () => {
  let h: CliHarness;
  const fileKeys = { CONNECTOR_GATEWAY_KEY: '' };
  beforeEach(async () => (h = await cliHarness()));
  afterEach(() => h.close());

  async function sealedKid(): Promise<string> {
    const c = await h.run([...create, '--json'], { env: fileKeys });
    expect(c.code, c.stderr).toBe(0);
    const report = JSON.parse((await h.run(['keyring', 'rotate', '--json'], { env: fileKeys })).stdout) as { primary_key_id: string };
    return report.primary_key_id;
  }

  it('a missing key file: commands refuse, naming the key id and the file; none creates a key', async () => {
    const kid = await sealedKid();
    await rm(`${h.dataFile}.key`);
    for (const args of [['configs', 'list'], ['configs', 'create', '--connector', 'pc_github', '--name', 'x', '--config', '{}', '--credentials', '{"type":"bearer","token":"t0000001"}'], ['keyring', 'rotate'], ['serve', '--transport', 'http', '--port', '0']]) {
      const r = await h.run(args, { env: fileKeys });
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).not.toBe(0);
      expect(r.stderr).toContain(kid);
      expect(r.stderr).toContain(`${h.dataFile}.key`);
      expect(existsSync(`${h.dataFile}.key`)).toBe(false);
    }
    // What never needs sealed data still works.
    expect((await h.run(['connectors', 'list'], { env: fileKeys })).code).toBe(0);
    // Only the explicit command makes a key, and only when told the credentials go.
    const refused = await h.run(['keyring', 'init'], { env: fileKeys });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    const init = await h.run(['keyring', 'init', '--force', '--json'], { env: fileKeys });
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ object: 'keyring_init', credentials_cleared: 1 });
    const listed = JSON.parse((await h.run(['configs', 'list', '--json'], { env: fileKeys })).stdout) as { data: { health_status: string; last_error?: string }[] };
    expect(listed.data[0]).toMatchObject({ health_status: 'unhealthy', last_error: expect.stringContaining(kid) });
  });

  it('CONNECTOR_GATEWAY_KEY that does not open the data: refused, naming the key id and the variable', async () => {
    const c = await h.run(create);
    expect(c.code, c.stderr).toBe(0);
    const other = Buffer.alloc(32, 7).toString('base64');
    const r = await h.run(['configs', 'list'], { env: { CONNECTOR_GATEWAY_KEY: other } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sealed with key [0-9a-f]{16}, which the environment variable CONNECTOR_GATEWAY_KEY does not hold/);
  });
});
