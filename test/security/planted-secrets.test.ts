import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startFakeGithub } from '../fakes/github.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { freePort } from '../helpers/everything.js';
import { CLI, runCli } from '../helpers/cli.js';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';

/**
 * Planted secrets: credentials go in through REST and the CLI (flag and stdin), are used for
 * successful and failing tool calls over MCP (HTTP in both eras, and stdio), and are refused in
 * invalid requests. Afterwards the data file, the audit file, every file beside them, every log
 * line, every HTTP and MCP response, every CLI output and every error message is searched for
 * each planted value: zero hits.
 */
const tag = () => randomBytes(6).toString('hex');
const P = {
  ghOk: `PLANTEDghOk${tag()}`,
  ghBad: `PLANTEDghBad${tag()}`,
  mcp: `PLANTEDmcp${tag()}`,
  mcpPatched: `PLANTEDmcpPatched${tag()}`,
  jiraKey: `PLANTEDjiraKey${tag()}`,
  oauthAccess: `PLANTEDaccess${tag()}`,
  oauthRefresh: `PLANTEDrefresh${tag()}`,
  rejectedExtra: `PLANTEDrejectedExtra${tag()}`,
  rejectedType: `PLANTEDrejectedType${tag()}`,
  rejectedLong: `PLANTEDrejectedLong${tag()}`,
  rejectedName: `PLANTEDrejectedName${tag()}`,
  cliFlag: `PLANTEDcliFlag${tag()}`,
  cliStdin: `PLANTEDcliStdin${tag()}`,
  cliUpdate: `PLANTEDcliUpdate${tag()}`,
  cliBad: `PLANTEDcliBad${tag()}`,
};
const JIRA_EMAIL = 'ada@example.com';

/** Everything any part of the system said, labelled by where it came from. */
const outputs: { where: string; text: string }[] = [];
const keep = (where: string, text: unknown) => outputs.push({ where, text: typeof text === 'string' ? text : JSON.stringify(text) ?? String(text) });

let srv: Awaited<ReturnType<typeof startServer>>;
let github: Awaited<ReturnType<typeof startFakeGithub>>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const ids: Record<string, string> = {};

async function rest(method: string, path: string, body?: unknown, secret = srv.principals[0]!.secret) {
  const r = await api<ApiBody>(srv.url, secret, method, path, body);
  keep(`HTTP ${method} ${path} → ${r.status}`, r.text);
  r.headers.forEach((v, k) => keep(`HTTP header ${k}`, v));
  return r;
}

async function mcpCalls(client: Client, label: string) {
  const tools = (await client.listTools()).tools;
  keep(`${label} tools/list`, tools);
  const call = async (name: string, args: Record<string, unknown>) => {
    try {
      keep(`${label} ${name}`, await client.callTool({ name, arguments: args }));
    } catch (e) {
      keep(`${label} ${name} threw`, e instanceof Error ? `${e.message} ${String(e.cause ?? '')}` : e);
    }
  };
  await call('gh_ok_get_me', {});
  await call('gh_bad_get_me', {});
  await call('mcp_echo', { message: 'hello' });
  await call('mcp_fail', {});
  await call('mcp_boom', {});
  // A network failure retries with backoff (about a second): once is enough.
  if (label === 'http auto') await call('jira_get_myself', {});
  await call('clickup_list_workspaces', {});
  await call('gh_ok_get_file_contents', { path: 42 });
  await call('nobody_tool', {});
  return tools;
}

beforeAll(async () => {
  github = await startFakeGithub({ tokens: [P.ghOk] });
  upstream = await startUpstream();
  srv = await startServer({ principals: 2, settings: { network: { allow_loopback: true }, limits: { rate_limit_per_minute: 0 } }, env: { CONNECTOR_GATEWAY_LOG_LEVEL: 'debug' } });
});
afterAll(async () => {
  await srv?.close();
  await github?.close();
  await upstream?.close();
});

describe('planted secrets never come back out', () => {
  it('REST: creates, updates, refusals and health checks', async () => {
    const deadPort = await freePort();
    const creates: [string, Record<string, unknown>][] = [
      ['ghOk', { personal_connector_id: 'pc_github', name: 'gh ok', configuration: { api_base_url: github.url, repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: P.ghOk } }],
      ['ghBad', { personal_connector_id: 'pc_github', name: 'gh bad', configuration: { api_base_url: github.url }, credentials: { type: 'bearer', token: P.ghBad } }],
      ['mcp', { personal_connector_id: 'pc_custom_mcp', name: 'mcp', configuration: { endpoint: upstream.url }, credentials: { type: 'bearer', token: P.mcp } }],
      ['jira', { personal_connector_id: 'pc_jira', name: 'jira', configuration: { site_url: `http://127.0.0.1:${deadPort}`, email: JIRA_EMAIL }, credentials: { type: 'api_key', api_key: P.jiraKey } }],
      [
        'clickup',
        {
          personal_connector_id: 'pc_clickup',
          name: 'clickup',
          configuration: { api_base_url: `http://127.0.0.1:${deadPort}` },
          credentials: { type: 'oauth2', access_token: P.oauthAccess, refresh_token: P.oauthRefresh, expires_at: '2020-01-01T00:00:00Z' },
        },
      ],
    ];
    for (const [key, body] of creates) {
      const r = await rest('POST', CONFIGURATIONS, body);
      expect(r.status, r.text).toBe(201);
      ids[key] = r.json!.id!;
    }
    const refused: Record<string, unknown>[] = [
      { personal_connector_id: 'pc_github', name: 'x', credentials: { type: 'api_key', api_key: P.rejectedExtra, extra: P.rejectedExtra } },
      { personal_connector_id: 'pc_teams', name: 'x', configuration: { team_id: 't' }, credentials: { type: 'api_key', api_key: P.rejectedType } },
      { personal_connector_id: 'pc_github', name: 'x', credentials: { type: 'api_key', api_key: P.rejectedLong + 'x'.repeat(17_000) } },
      { personal_connector_id: 'pc_github', name: 'n'.repeat(200), credentials: { type: 'bearer', token: P.rejectedName } },
      { personal_connector_id: 'pc_nope', name: 'x', credentials: { type: 'bearer', token: P.rejectedName } },
      { personal_connector_id: 'pc_github', name: 'x', credentials: { type: 'carrier_pigeon', token: P.rejectedType } },
    ];
    for (const body of refused) expect((await rest('POST', CONFIGURATIONS, body)).status).toBeGreaterThanOrEqual(400);
    expect((await rest('PATCH', `${CONFIGURATIONS}/${ids.mcp}`, { credentials: { type: 'bearer', token: P.mcpPatched } })).status).toBe(200);
    expect((await rest('PATCH', `${CONFIGURATIONS}/${ids.mcp}`, { credentials: { type: 'bearer', token: P.mcpPatched } })).status).toBe(200);
    expect((await rest('PATCH', `${CONFIGURATIONS}/${ids.ghOk}`, { credentials: { type: 'api_key', api_key: P.rejectedExtra, nope: 1 } })).status).toBe(400);
    for (const id of Object.values(ids)) expect((await rest('POST', `${CONFIGURATIONS}/${id}/test`)).status).toBe(200);
    for (const id of Object.values(ids)) await rest('GET', `${CONFIGURATIONS}/${id}`);
    await rest('GET', `${CONFIGURATIONS}?limit=100`);
    await rest('GET', `${CONFIGURATIONS}/${ids.ghOk}`, undefined, srv.principals[1]!.secret);
    const healthy = await rest('GET', `${CONFIGURATIONS}/${ids.ghOk}`);
    expect(healthy.json?.health_status).toBe('healthy');
    const bad = await rest('GET', `${CONFIGURATIONS}/${ids.ghBad}`);
    expect(bad.json?.health_status).toBe('unhealthy');
  });

  it('CLI: credentials by flag and stdin, invalid ones, list, get, test, doctor', async () => {
    const env = srv.env;
    const run = async (args: string[], input?: string) => {
      const r = await runCli(args, env, input);
      keep(`CLI ${args.slice(0, 2).join(' ')} stdout`, r.stdout);
      keep(`CLI ${args.slice(0, 2).join(' ')} stderr`, r.stderr);
      return r;
    };
    const flag = await run(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'cli flag', '--config', JSON.stringify({ endpoint: upstream.url }), '--credentials', JSON.stringify({ type: 'bearer', token: P.cliFlag }), '--json']);
    expect(flag.code, flag.stderr).toBe(0);
    const stdin = await run(['configs', 'create', '--connector', 'pc_github', '--name', 'cli stdin', '--config', JSON.stringify({ api_base_url: github.url }), '--credentials-file', '-', '--json'], JSON.stringify({ type: 'api_key', api_key: P.cliStdin }));
    expect(stdin.code, stdin.stderr).toBe(0);
    const id = (JSON.parse(stdin.stdout) as { id: string }).id;
    expect((await run(['configs', 'create', '--connector', 'pc_github', '--name', 'cli bad', '--credentials', JSON.stringify({ type: 'api_key', api_key: P.cliBad, bogus: P.cliBad })])).code).not.toBe(0);
    expect((await run(['configs', 'update', id, '--credentials-file', '-', '--json'], JSON.stringify({ type: 'bearer', token: P.cliUpdate }))).code).toBe(0);
    // Reads only from here on: in parallel, to keep the file fast.
    await Promise.all([
      run(['configs', 'create', '--connector', 'pc_github', '--name', 'cli bad', '--credentials', `{"type":"api_key","api_key":"${P.cliBad}"`]),
      run(['configs', 'list', '--json']),
      run(['configs', 'test', id, ids.ghBad!, '--json']),
      run(['doctor']),
    ]);
  });

  it('MCP over HTTP (both eras) and stdio: successful and failing calls', async () => {
    for (const mode of ['auto', 'legacy'] as const) {
      const client = new Client({ name: 'planted', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(srv.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${srv.principals[0]!.secret}` } } }));
      const tools = await mcpCalls(client, `http ${mode}`);
      expect(tools.map((t) => t.name)).toContain('gh_ok_get_me');
      await client.close();
    }
    const stdio = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--transport', 'stdio'], env: { ...srv.env, CONNECTOR_GATEWAY_LOG_LEVEL: 'debug' }, stderr: 'pipe' });
    let stdioErr = '';
    stdio.stderr?.on('data', (d: Buffer) => (stdioErr += d.toString()));
    const client = new Client({ name: 'planted', version: '1' });
    await client.connect(stdio);
    await mcpCalls(client, 'stdio');
    await client.close();
    keep('stdio server stderr', stdioErr);
    // The secrets did reach the services they belong to: the search below is not vacuous.
    expect(github.requests.some((r) => (r.headers.authorization ?? '').includes(P.ghOk))).toBe(true);
    expect(upstream.seen.authorization.some((a) => a.includes(P.mcpPatched))).toBe(true);
    expect(outputs.some((o) => o.text.includes('octocat'))).toBe(true);
  });

  it('zero hits for any planted value in files, logs, responses and errors', async () => {
    await srv.stop();
    keep('server stderr', srv.stderr());
    keep('server stdout', srv.stdout());
    for (const name of await readdir(srv.dir)) {
      const text = await readFile(join(srv.dir, name), 'utf8').catch(() => '');
      keep(`file ${name}`, text);
    }
    expect(outputs.some((o) => o.where === 'file data.json')).toBe(true);
    expect(outputs.some((o) => o.where === 'file data.json.audit.jsonl')).toBe(true);
    expect(srv.stderr().length).toBeGreaterThan(0);

    const needles: [string, string][] = Object.entries(P).flatMap(([k, v]) => [
      [k, v] as [string, string],
      [`${k} (base64)`, Buffer.from(v).toString('base64')],
    ]);
    needles.push(['jira basic auth', Buffer.from(`${JIRA_EMAIL}:${P.jiraKey}`).toString('base64')]);
    for (const p of srv.principals) needles.push([`API key of ${p.user_id ?? p.keyId}`, p.secret]);
    const hits: string[] = [];
    for (const [what, needle] of needles) {
      for (const o of outputs) if (o.text.includes(needle)) hits.push(`${what} in ${o.where}`);
    }
    console.info(`[planted] searched ${outputs.length} outputs (${outputs.reduce((n, o) => n + o.text.length, 0)} characters) for ${needles.length} values: ${hits.length} hits`);
    expect(hits).toEqual([]);
  });
});
