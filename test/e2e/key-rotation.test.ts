import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { keyIdOf } from '../../src/crypto/keyring.js';
import { keyFilePath } from '../../src/crypto/key-file.js';
import { CLI, runCli } from '../helpers/cli.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';

/**
 * Rotating the key while servers run (built binary, real processes sharing one data file): a server
 * started before the rotation either seals with the new key (its ring or its key file holds it) or
 * refuses to seal, loudly (key_missing); no credential is ever left or written under the old key.
 */
const cleanups: (() => Promise<void>)[] = [];
// Each test runs several processes of the built binary on a loaded machine: generous, not a measure.
const SLOW = 240_000;
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function prepare(env: Record<string, string> = {}): Promise<PreparedData> {
  // A long refresh lease (2 × discovery timeout + 5 s): the test's own refresh holds it while processes start on a loaded machine.
  const data = await prepareData({ principals: 1, env, settings: { limits: { discovery_timeout_ms: 60_000 } } });
  cleanups.push(() => data.remove());
  return data;
}

async function serve(data: PreparedData, env: Record<string, string> = {}): Promise<SpawnedServer> {
  const s = await spawnServer(data, { env });
  cleanups.push(() => s.stop());
  return s;
}

/** The sealed blobs' key ids as they are on disk (data file + journal), read by a separate process. */
async function diskKids(data: PreparedData): Promise<Record<string, string>> {
  const text = (await readFile(data.dataFile, 'utf8')) + (await readFile(`${data.dataFile}.journal`, 'utf8').catch(() => ''));
  const kids: Record<string, string> = {};
  // Every configuration line of the data file, then the journal's later versions of them.
  for (const m of text.matchAll(/"id":"(pconf_[A-Za-z0-9]+)"[^\n]*?"credentials_sealed":\{"kid":"([0-9a-f]{16})"/g)) kids[m[1]!] = m[2]!;
  return kids;
}

function create(srv: SpawnedServer, secret: string, name: string, token: string) {
  return api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, {
    personal_connector_id: 'pc_custom_mcp',
    name,
    configuration: { endpoint: 'https://mcp.example.com/mcp' },
    credentials: { type: 'bearer', token },
  });
}

describe('key rotation with running servers: keys from CONNECTOR_GATEWAY_KEY', () => {
  it('a server with only the old key refuses to seal (key_missing) after the rotation; one with both keys seals with the new; nothing stays under the old key', async () => {
    const data = await prepare();
    const oldKey = data.env.CONNECTOR_GATEWAY_KEY!;
    const newKey = randomBytes(32).toString('base64');
    const oldKid = keyIdOf(Buffer.from(oldKey, 'base64'));
    const newKid = keyIdOf(Buffer.from(newKey, 'base64'));
    const secret = data.principals[0]!.secret;

    const old = await serve(data);
    const before = await create(old, secret, 'Before', 'tok-before-rotation');
    expect(before.status, before.text).toBe(201);
    expect(Object.values(await diskKids(data))).toEqual([oldKid]);

    // The documented rotation: the new key first, the old one still there.
    const rotated = await runCli(['keyring', 'rotate', '--json'], { ...data.env, CONNECTOR_GATEWAY_KEY: `${newKey},${oldKey}` });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ primary_key_id: newKid, previous_key_id: oldKid, resealed: 1, failed: [] });

    // The server started with the old key alone: it cannot seal with the new key, and it must not seal with the old.
    const refused = await create(old, secret, 'After', 'tok-after-rotation');
    expect(refused.status).toBe(500);
    expect(refused.json?.error?.code).toBe('key_missing');
    expect(refused.text).not.toContain('tok-after-rotation');
    const replace = await api<ApiBody>(old.url, secret, 'PATCH', `${CONFIGURATIONS}/${before.json!.id!}`, { credentials: { type: 'bearer', token: 'tok-replaced' } });
    expect(replace.json?.error?.code).toBe('key_missing');
    // Loudly: its log names the key to add and what to do.
    expect(old.stderr()).toMatch(new RegExp(`rotated[^\\n]*${newKid}[^\\n]*Restart this process with the new key`));
    expect(Object.values(await diskKids(data))).toEqual([newKid]);

    // A server given both keys, in either order, seals with the new one.
    const both = await serve(data, { CONNECTOR_GATEWAY_KEY: `${oldKey},${newKey}` });
    const made = await create(both, secret, 'Both', 'tok-both');
    expect(made.status, made.text).toBe(201);
    const kids = await diskKids(data);
    expect(kids).toEqual({ [before.json!.id!]: newKid, [made.json!.id!]: newKid });

    // The old key can now go: the new key alone serves everything; the old key alone does not start.
    const onlyNew = await runCli(['configs', 'list', '--json'], { ...data.env, CONNECTOR_GATEWAY_KEY: newKey });
    expect(onlyNew.code, onlyNew.stderr).toBe(0);
    expect((JSON.parse(onlyNew.stdout) as { data: unknown[] }).data).toHaveLength(2);
    const onlyOld = await runCli(['configs', 'list', '--json'], { ...data.env, CONNECTOR_GATEWAY_KEY: oldKey });
    expect(onlyOld.code).not.toBe(0);
    expect(onlyOld.stderr).toContain(`sealed with key ${newKid}`);
  }, SLOW);

  it('a server started with only the old key after a rotation with no credentials stored refuses to start, naming the new key', async () => {
    const data = await prepare();
    const oldKey = data.env.CONNECTOR_GATEWAY_KEY!;
    const newKey = randomBytes(32).toString('base64');
    const rotated = await runCli(['keyring', 'rotate', '--json'], { ...data.env, CONNECTOR_GATEWAY_KEY: `${newKey},${oldKey}` });
    expect(rotated.code, rotated.stderr).toBe(0);
    await expect(spawnServer(data)).rejects.toThrow(new RegExp(`key_missing|rotated to key ${keyIdOf(Buffer.from(newKey, 'base64'))}`));
  }, SLOW);
});

describe('key rotation with running servers: keys from the key file', () => {
  it('a running server re-reads the key file and seals with the new primary key', async () => {
    // An empty CONNECTOR_GATEWAY_KEY means: the key file beside the data.
    const data = await prepare({ CONNECTOR_GATEWAY_KEY: '' });
    const keyFile = keyFilePath(data.dataFile);
    const primaryOf = async () => (JSON.parse(await readFile(keyFile, 'utf8')) as { primary: string }).primary;
    const firstKid = await primaryOf();
    const secret = data.principals[0]!.secret;
    const srv = await serve(data);
    const a = await create(srv, secret, 'A', 'tok-a');
    expect(a.status, a.text).toBe(201);
    expect(Object.values(await diskKids(data))).toEqual([firstKid]);

    const rotated = await runCli(['keyring', 'rotate', '--json'], { ...data.env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secondKid = await primaryOf();
    expect(secondKid).not.toBe(firstKid);

    // The server holds the old ring in memory: without re-reading the file it would seal with firstKid.
    const b = await create(srv, secret, 'B', 'tok-b');
    expect(b.status, b.text).toBe(201);
    const patched = await api<ApiBody>(srv.url, secret, 'PATCH', `${CONFIGURATIONS}/${a.json!.id!}`, { credentials: { type: 'bearer', token: 'tok-a2' } });
    expect(patched.status, patched.text).toBe(200);
    expect(await diskKids(data)).toEqual({ [a.json!.id!]: secondKid, [b.json!.id!]: secondKid });
  }, SLOW);
});

describe('key rotation and an OAuth refresh in flight', () => {
  it('the rotation waits for the refresh lease: tokens a refresh stored under the old key are moved, not lost', async () => {
    const data = await prepare();
    const oldKey = data.env.CONNECTOR_GATEWAY_KEY!;
    const newKey = randomBytes(32).toString('base64');
    const newKid = keyIdOf(Buffer.from(newKey, 'base64'));
    const secret = data.principals[0]!.secret;
    const srv = await serve(data);
    const made = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, {
      personal_connector_id: 'pc_custom_mcp',
      name: 'OAuth',
      configuration: { endpoint: 'https://mcp.example.com/mcp' },
      credentials: { type: 'oauth2', access_token: 'at-old', refresh_token: 'rt-old', expires_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(made.status, made.text).toBe(201);
    const id = made.json!.id!;
    await srv.stop();

    // A refresh in another process (the child below, with only the old key) takes the lease, checks
    // the keys before the rotation starts, and stores new tokens under the old key once the
    // rotation has begun: exactly what a refresh that started a moment before the rotation does.
    const refresher = spawn(process.execPath, ['--import', 'tsx', new URL('./key-rotation-refresher.ts', import.meta.url).pathname, data.dataFile, id], {
      env: { ...data.env, CONNECTOR_GATEWAY_KEY: oldKey },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanups.push(async () => void refresher.kill('SIGKILL'));
    let out = '';
    let err = '';
    refresher.stdout.on('data', (d: Buffer) => (out += d.toString()));
    refresher.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const line = (want: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (out.includes(want) ? resolve() : undefined);
        refresher.stdout.on('data', check);
        refresher.once('exit', (code) => reject(new Error(`the refresher exited (${code}) before "${want}": ${out} ${err}`)));
        check();
      });
    await line('LEASED');

    const rotation = runCli(['keyring', 'rotate', '--json'], { ...data.env, CONNECTOR_GATEWAY_KEY: `${newKey},${oldKey}` });
    // The refresher waits (by watching the key policy) until the rotation has named the new key, then stores its tokens.
    await line('STORED');
    refresher.stdin.end('release\n');
    const refresherExit = new Promise<number | null>((r) => refresher.once('exit', (code) => r(code)));
    const rotated = await rotation;
    expect(await refresherExit, err).toBe(0);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ primary_key_id: newKid, failed: [] });

    // Under the new key alone, the record opens to the tokens the refresh stored.
    const onlyNew = { ...data.env, CONNECTOR_GATEWAY_KEY: newKey };
    expect(await diskKids({ ...data, env: onlyNew })).toEqual({ [id]: newKid });
    const opened = spawn(process.execPath, ['--import', 'tsx', new URL('./key-rotation-refresher.ts', import.meta.url).pathname, data.dataFile, id, 'show'], { env: onlyNew, stdio: ['ignore', 'pipe', 'pipe'] });
    let shown = '';
    opened.stdout.on('data', (d: Buffer) => (shown += d.toString()));
    const code = await new Promise<number | null>((r) => opened.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(JSON.parse(shown)).toMatchObject({ type: 'oauth2', access_token: 'at-refreshed', refresh_token: 'rt-refreshed' });
    void CLI;
  }, SLOW);
});
