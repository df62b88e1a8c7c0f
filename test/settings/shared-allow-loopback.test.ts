import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { CLI, cliJson, runCli } from '../helpers/cli.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type ApiBody, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { TEST_TIMEOUT_MS, waitFor } from '../helpers/timing.js';

/**
 * issue 13 §1: allow_loopback is one setting, stored with the data, that the CLI, the HTTP server and
 * the stdio server (what Claude Desktop starts) read the same way. Three processes on one data file,
 * none with an override, check one configuration on a loopback upstream in turn: every check agrees,
 * so its health never flips; and a change made by the CLI reaches the running servers.
 */
let data: PreparedData;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let server: SpawnedServer;
let stdio: Client;
let stdioLogs = '';
let id = '';
const owner = ['--org', 'org_t0', '--user', 'usr_t0'];

function env(): Record<string, string> {
  return data.env;
}

async function cliTest(): Promise<{ code: number | null; record: ApiBody }> {
  const r = await runCli(['configs', 'test', id, ...owner, '--json'], env());
  return { code: r.code, record: JSON.parse(r.stdout) as ApiBody };
}

async function httpTest(): Promise<ApiBody> {
  const r = await api(server.url, data.principals[0]!.secret, 'POST', `${CONFIGURATIONS}/${id}/test`);
  expect(r.status, r.text).toBe(200);
  return r.json!;
}

async function stored(): Promise<ApiBody> {
  return cliJson<ApiBody>(['configs', 'get', id, ...owner], env());
}

/** The stdio server's answer to a call of the echo tool: its text, or its error. */
async function stdioEcho(): Promise<{ ok: boolean; text: string }> {
  const { tools } = await stdio.listTools();
  const echo = tools.find((t) => t.name.endsWith('_echo'));
  if (!echo) return { ok: false, text: `no echo tool: ${JSON.stringify(tools.map((t) => t.name))}\n${stdioLogs}` };
  const r = await stdio.callTool({ name: echo.name, arguments: { message: 'hi' } });
  const text = (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');
  return { ok: r.isError !== true, text };
}

beforeAll(async () => {
  upstream = await startUpstream();
  // No CONNECTOR_GATEWAY_ALLOW_LOOPBACK anywhere: only the stored setting decides.
  data = await prepareData({ principals: 1 });
  expect(data.env.CONNECTOR_GATEWAY_ALLOW_LOOPBACK).toBeUndefined();
  const set = await runCli(['settings', 'set', 'allow_loopback', 'true', '--json'], env());
  expect(set.code, set.stderr).toBe(0);
  expect(JSON.parse(set.stdout)).toMatchObject({ object: 'settings', settings: { allow_loopback: { value: true, stored: true, source: 'stored' } }, warnings: [] });
  const created = await cliJson<ApiBody>(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Local echo', '--config', JSON.stringify({ endpoint: upstream.url }), ...owner], env());
  id = created.id!;
  server = await spawnServer(data);
  stdio = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--transport', 'stdio'], env: env(), stderr: 'pipe' });
  transport.stderr?.on('data', (d: Buffer) => (stdioLogs += d.toString()));
  await stdio.connect(transport);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await stdio?.close();
  await server?.stop();
  await upstream?.close();
  await data?.remove();
});

describe('allow_loopback is read the same way by the CLI, the HTTP server and the stdio server', { timeout: TEST_TIMEOUT_MS }, () => {
  it('checks from the three processes in turn agree: healthy every time, never flipped', async () => {
    const seen: string[] = [];
    for (let round = 0; round < 3; round++) {
      const cli = await cliTest();
      expect(cli.code, JSON.stringify(cli.record)).toBe(0);
      seen.push(`cli:${cli.record.health_status}`, `stored:${(await stored()).health_status}`);
      const http = await httpTest();
      seen.push(`http:${http.health_status}`, `stored:${(await stored()).health_status}`);
      const call = await stdioEcho();
      expect(call, stdioLogs).toEqual({ ok: true, text: 'hi' });
      seen.push(`stored:${(await stored()).health_status}`);
    }
    expect(new Set(seen.map((s) => s.split(':')[1]))).toEqual(new Set(['healthy']));
    expect(upstream.seen.calls).toContain('echo');
  });

  it('settings set in the CLI reaches the running servers: all refuse together, then all allow together', async () => {
    const off = await runCli(['settings', 'set', 'allow_loopback', 'false'], env());
    expect(off.code, off.stderr).toBe(0);
    // The HTTP server follows the stored setting (it watches it): wait for its check to see the change.
    const refused = await waitFor(async () => {
      const r = await httpTest();
      return r.health_status === 'unhealthy' ? r : undefined;
    }, 'the HTTP server applies allow_loopback=false');
    expect(refused.last_error).toMatch(/loopback address, which is not allowed .*run: connector-gateway settings set allow_loopback true/);
    const cli = await cliTest();
    expect(cli.code).toBe(1);
    expect(cli.record).toMatchObject({ health_status: 'unhealthy', last_error: refused.last_error });
    const call = await waitFor(async () => {
      const r = await stdioEcho();
      return r.ok ? undefined : r;
    }, 'the stdio server applies allow_loopback=false');
    expect(call.text).toMatch(/loopback|echo/);

    const on = await runCli(['settings', 'set', 'allow_loopback', 'true'], env());
    expect(on.code, on.stderr).toBe(0);
    await waitFor(async () => (await httpTest()).health_status === 'healthy', 'the HTTP server applies allow_loopback=true');
    expect((await cliTest()).record.health_status).toBe('healthy');
    await waitFor(async () => (await stdioEcho()).ok, 'the stdio server applies allow_loopback=true');
    expect((await stored()).health_status).toBe('healthy');
  });

  it('a process started with an override that differs from the stored value says so, naming the command that makes them agree', async () => {
    const off = await runCli(['settings', 'set', 'allow_loopback', 'false'], env());
    expect(off.code).toBe(0);
    const r = await runCli(['configs', 'get', id, ...owner, '--json'], { ...env(), CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('allow_loopback is true in this process because CONNECTOR_GATEWAY_ALLOW_LOOPBACK overrides it, but the shared setting is false');
    expect(r.stderr).toContain('run: connector-gateway settings set allow_loopback true');
    const show = await runCli(['settings', 'show', '--json'], { ...env(), CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' });
    expect(JSON.parse(show.stdout)).toMatchObject({ settings: { allow_loopback: { value: true, shared: false, stored: false, source: 'override', override: { source: 'CONNECTOR_GATEWAY_ALLOW_LOOPBACK' } } } });
    await runCli(['settings', 'set', 'allow_loopback', 'true'], env());
  });

  it('refuses a bad name or value, naming the setting and the rule', async () => {
    const bad = await runCli(['settings', 'set', 'allow_loopback', 'yes', '--json'], env());
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { param: 'value', message: 'value: allow_loopback must be true or false, not "yes"' } });
    const unknown = await runCli(['settings', 'set', 'allow_everything', 'true'], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: name: unknown setting "allow_everything"; the settings are allow_loopback, allow_private/);
    const envBad = await runCli(['settings', 'show'], { ...env(), CONNECTOR_GATEWAY_ALLOW_LOOPBACK: 'maybe' });
    expect(envBad.code).toBe(2);
    expect(envBad.stderr).toMatch(/CONNECTOR_GATEWAY_ALLOW_LOOPBACK: must be 1, true or yes/);
  });
});
