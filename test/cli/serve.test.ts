import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness, ROOT, type CliHarness } from './harness.js';

/** Secrets planted through every entry point; none may ever show up in clear anywhere. */
const PLANTED = {
  restApiKey: 'PLANTED_rest_api_key_7f3a9c',
  restAccess: 'PLANTED_rest_access_token_19be',
  restRefresh: 'PLANTED_rest_refresh_token_c0de',
  restPatched: 'PLANTED_rest_patched_bearer_55aa',
  cliFlag: 'PLANTED_cli_flag_token_e1e1',
  cliStdin: 'PLANTED_cli_stdin_key_b00b',
};

interface Server {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  url: Promise<string>;
  stop(): Promise<number | null>;
}

function startServe(h: CliHarness): Server {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: h.dir, ...h.env, CONNECTOR_GATEWAY_LOG_LEVEL: 'debug', CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const url = new Promise<string>((resolve, reject) => {
    const look = () => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(err);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      look();
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

let h: CliHarness;
beforeAll(async () => {
  h = await cliHarness();
});
afterAll(async () => h.close());

describe('serve --transport http', () => {
  it('first run creates one key and prints it once with next steps; nothing planted leaks anywhere', async () => {
    const outputs: string[] = [];
    const s = startServe(h);
    try {
      const base = await s.url;
      const out = s.stdout();
      const secret = /cgw_[A-Za-z0-9]{40}/.exec(out)?.[0];
      expect(secret).toBeDefined();
      expect(out).toContain(`curl -sS ${base}/v1/personal_connectors/configurations`);
      expect(out).toContain(`npx -y @modelcontextprotocol/inspector-cli@0.16.8 --cli ${base}/mcp --transport http --header "Authorization: Bearer ${secret!}"`);
      expect(out).toContain('"mcpServers"');
      expect(s.stderr()).not.toContain(secret!);

      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${secret!}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        outputs.push(text, JSON.stringify([...res.headers]));
        return { status: res.status, json: JSON.parse(text) as { id: string } };
      };
      // Loopback base URLs are refused by the default network policy: checks fail without traffic.
      const a = await call('POST', '/v1/personal_connectors/configurations', {
        personal_connector_id: 'pc_github',
        name: 'planted gh',
        configuration: { repository: 'acme/backend', api_base_url: 'http://127.0.0.1:9' },
        credentials: { type: 'api_key', api_key: PLANTED.restApiKey },
      });
      expect(a.status).toBe(201);
      const b = await call('POST', '/v1/personal_connectors/configurations', {
        personal_connector_id: 'pc_jira',
        name: 'planted jira',
        configuration: { site_url: 'https://acme.atlassian.net', api_base_url: 'http://127.0.0.1:9' },
        credentials: { type: 'oauth2', access_token: PLANTED.restAccess, refresh_token: PLANTED.restRefresh, expires_at: '2099-01-01T00:00:00Z' },
      });
      expect(b.status).toBe(201);
      await call('PATCH', `/v1/personal_connectors/configurations/${a.json.id}`, { credentials: { type: 'bearer', token: PLANTED.restPatched } });
      await call('GET', `/v1/personal_connectors/configurations/${a.json.id}`);
      await call('GET', '/v1/personal_connectors/configurations?limit=100');
      await call('POST', `/v1/personal_connectors/configurations/${a.json.id}/test`);
      await call('POST', `/v1/personal_connectors/configurations/${b.json.id}/test`);

      // The CLI works on the same file while the server runs.
      const viaFlag = await h.spawn([
        'configs', 'create', '--connector', 'pc_teams', '--name', 'planted teams', '--config', '{"api_base_url":"http://127.0.0.1:9"}',
        '--credentials', JSON.stringify({ type: 'bearer', token: PLANTED.cliFlag }), '--json',
      ]);
      expect(viaFlag.code).toBe(0);
      const viaStdin = await h.run(
        ['configs', 'create', '--connector', 'pc_clickup', '--name', 'planted clickup', '--config', '{"api_base_url":"http://127.0.0.1:9"}', '--credentials-file', '-', '--json'],
        { stdin: JSON.stringify({ type: 'api_key', api_key: PLANTED.cliStdin }) },
      );
      expect(viaStdin.code).toBe(0);
      outputs.push(viaFlag.stdout, viaFlag.stderr, viaStdin.stdout, viaStdin.stderr);
      for (const args of [['configs', 'list', '--json'], ['configs', 'list'], ['configs', 'get', (JSON.parse(viaFlag.stdout) as { id: string }).id], ['keys', 'list'], ['doctor', '--skip-health', '--json']]) {
        const r = await h.run(args);
        outputs.push(r.stdout, r.stderr);
      }
      const tested = await h.spawn(['configs', 'test', (JSON.parse(viaStdin.stdout) as { id: string }).id, '--json']);
      outputs.push(tested.stdout, tested.stderr);
      expect(JSON.parse(tested.stdout)).toMatchObject({ health_status: 'unhealthy' });
    } finally {
      expect(await s.stop()).not.toBeNull();
    }
    outputs.push(s.stdout(), s.stderr());
    const files = await readdir(h.dir);
    for (const f of files) outputs.push(await readFile(join(h.dir, f), 'utf8').catch(() => ''));
    expect(files).toEqual(expect.arrayContaining(['data.json']));
    const haystack = outputs.join('\n');
    for (const secret of Object.values(PLANTED)) expect(haystack).not.toContain(secret);
    // The server did log (so the search above had something to look at).
    expect(s.stderr()).toContain('listening');
  });

  it('a second start finds the key and prints no secret', async () => {
    const s = startServe(h);
    try {
      await s.url;
    } finally {
      await s.stop();
    }
    expect(s.stdout()).not.toMatch(/cgw_[A-Za-z0-9]{40}/);
    expect(s.stderr()).not.toMatch(/cgw_[A-Za-z0-9]{40}/);
  });
});
