import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness, type CliHarness } from './harness.js';

let h: CliHarness;
beforeAll(async () => {
  h = await cliHarness();
});
afterAll(async () => h.close());

const fileKeyEnv = { CONNECTOR_GATEWAY_KEY: '' };
const create = (name: string) => [
  'configs', 'create', '--connector', 'pc_github', '--name', name, '--config', '{"repository":"acme/backend"}',
  '--credentials', '{"type":"api_key","api_key":"PLANTED_rotate_secret"}', '--json',
];

describe('keyring rotate and doctor', () => {
  it('rotates a key file and re-seals every credential; doctor then passes', async () => {
    for (const n of ['one', 'two']) expect((await h.run(create(n), { env: fileKeyEnv })).code).toBe(0);
    const before = await h.dataFileText();
    const r = await h.run(['keyring', 'rotate', '--json'], { env: fileKeyEnv });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { sealed: number; resealed: number; failed: unknown[]; primary_key_id: string; previous_key_id: string };
    expect(report).toMatchObject({ sealed: 2, resealed: 2, failed: [] });
    expect(report.primary_key_id).not.toBe(report.previous_key_id);
    const after = await h.dataFileText();
    expect(after).not.toBe(before);
    expect(after).toContain(`"kid":"${report.primary_key_id}"`);
    expect(after).not.toContain('PLANTED_rotate_secret');

    const human = await h.run(['keyring', 'rotate'], { env: fileKeyEnv });
    expect(human.stdout).toMatch(/Re-sealed 2 of 2 credentials/);

    const doctor = await h.run(['doctor', '--skip-health', '--json'], { env: fileKeyEnv });
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ object: 'doctor_report', ok: true });
  });

  it('with the key in the environment, rotation explains what to do (exit 2)', async () => {
    const r = await h.run(['keyring', 'rotate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*CONNECTOR_GATEWAY_KEY=<new>,<old>/);
  });

  it('doctor exits 1 and says what to do when the key does not open the credentials', async () => {
    const wrong = Buffer.alloc(32, 1).toString('base64');
    const r = await h.run(['doctor', '--skip-health'], { env: { CONNECTOR_GATEWAY_KEY: wrong } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+credentials: 2 of 2 sealed credential\(s\) cannot be opened .*set CONNECTOR_GATEWAY_KEY/);
  });

  it('doctor fails on a corrupt data file and leaves it alone', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const file = join(h.dir, 'corrupt.json');
    await writeFile(file, '{"schema_version":1,"configurations":[');
    const r = await h.run(['doctor', '--data', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+data file: .*not valid JSON/);
  });
});
