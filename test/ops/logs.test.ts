import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { formatLogLine } from '../../src/app/log-format.js';
import { resolveLogLevel, safeError } from '../../src/app/logger.js';
import { redactSecrets } from '../../src/app/log-redact.js';
import type { AuditEvent } from '../../src/store/types.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { openAppContext } from '../../src/app/context.js';
import { runCli as runCliInProcess } from '../../src/cli/program.js';
import { silentLogger } from '../../src/domain/logger.js';
import { CLI, runCli, tempEnv } from '../helpers/cli.js';

const PLANTED = 'PLANTED_log_upstream_token_31c7';

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** The built server as an operator runs it, stderr captured; the URL comes from its "listening" line. */
function serveHttp(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args, 'serve', '--transport', 'http', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('logs of the built server', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => upstream.close());

  it('one JSON line per tool call (principal, configuration, tool, duration, outcome), each call audited, the planted secret nowhere', async () => {
    const env = tempEnv();
    // Set up in process (the same services the CLI runs), so only the server is a child process.
    const ctx = await openAppContext({ env, log: silentLogger });
    const local = { organization_id: 'org_local', user_id: 'usr_local', via: 'local' as const };
    const config = await ctx.configurations.create(local, {
      personal_connector_id: 'pc_custom_mcp',
      name: 'Fake',
      configuration: { endpoint: upstream.url },
      credentials: { type: 'api_key', api_key: PLANTED },
    });
    const key = await ctx.apiKeys.create({ organization_id: 'org_local', user_id: 'usr_local' });
    await ctx.close();
    // --log-level before the command: debug shows the most, so the most that could leak.
    const server = serveHttp(env, ['--log-level', 'debug']);
    let code: number | null = null;
    try {
      const base = await server.url;
      const client = new Client({ name: 'logs-test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key.secret}` } } }));
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('fake_echo');
      expect(JSON.stringify((await client.callTool({ name: 'fake_echo', arguments: { message: 'hello' } })).content)).toContain('hello');
      expect((await client.callTool({ name: 'fake_fail', arguments: {} })).isError).toBe(true);
      await client.callTool({ name: 'fake_boom', arguments: {} }).catch(() => undefined);
      await client.close();

      // The audit trail over HTTP: the three calls, batched but soon on file.
      const audit = async () => {
        const res = await fetch(`${base}/v1/audit_events?limit=100`, { headers: { Authorization: `Bearer ${key.secret}` } });
        return ((await res.json()) as { data: AuditEvent[] }).data.filter((e) => e.action === 'tool.called');
      };
      await expect.poll(async () => (await audit()).length).toBe(3);
      const events = await audit();
      expect(events.map((e) => e.detail?.tool)).toEqual(['fake_boom', 'fake_fail', 'fake_echo']);
      expect(events.every((e) => e.target === config.id && e.organization_id === 'org_local' && e.user_id === 'usr_local')).toBe(true);
      expect(events.map((e) => e.detail?.outcome)).toEqual([expect.any(String), 'tool_error', 'success']);
    } finally {
      code = await server.stop();
    }
    expect(code).toBe(0);

    const stderr = server.stderr();
    const lines = stderr.trimEnd().split('\n');
    // Piped stderr: every line is one JSON object, nothing else.
    const parsed = lines.map((l) => JSON.parse(l) as LogLine);
    expect(parsed.some((l) => l.level === 20)).toBe(true); // --log-level debug took effect
    const calls = parsed.filter((l) => l.msg === 'tool call');
    expect(calls.map((l) => l.tool)).toEqual(['fake_echo', 'fake_fail', 'fake_boom']);
    for (const l of calls) {
      expect(l).toMatchObject({ principal: 'org_local/usr_local', configuration_id: config.id, connector: 'pc_custom_mcp', duration_ms: expect.any(Number) });
      expect(l).not.toHaveProperty('arguments');
    }
    expect(calls.map((l) => l.outcome)).toEqual(['success', 'tool_error', 'rejected']);
    expect(upstream.seen.authorization).toContain(`Bearer ${PLANTED}`);

    const files = [stderr, server.stdout(), await readFile(env.CONNECTOR_GATEWAY_DATA!, 'utf8'), await readFile(`${env.CONNECTOR_GATEWAY_DATA!}.audit.jsonl`, 'utf8')];
    for (const text of files) {
      expect(text).not.toContain(PLANTED);
      expect(text).not.toContain(key.secret);
      expect(text).not.toContain(env.CONNECTOR_GATEWAY_KEY!);
    }
    // What was on file after shutdown: the audit observer flushed before the store closed.
    const auditLines = files[3]!.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    expect(auditLines.filter((e) => e.action === 'tool.called')).toHaveLength(3);
  });

  it('readable lines when asked (or on a terminal), with the same redaction', async () => {
    const env = { ...tempEnv(), CONNECTOR_GATEWAY_LOG_FORMAT: 'pretty' };
    const r = await runCli(['serve', '--transport', 'stdio'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  serving over stdio transport=stdio principal=org_local\/usr_local/m);
    expect(r.stderr).not.toMatch(/^\{/m);
    expect(formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'refresh failed', authorization: '[redacted]', detail: 'two words' }))).toBe(
      '00:00:00.000 WARN  refresh failed authorization=[redacted] detail="two words"\n',
    );
  });

  it('the level: --log-level, else CONNECTOR_GATEWAY_LOG_LEVEL, else the default; a bad flag is a usage error', async () => {
    expect(resolveLogLevel({ CONNECTOR_GATEWAY_LOG_LEVEL: 'debug' }, { level: 'error' })).toBe('error');
    expect(resolveLogLevel({ CONNECTOR_GATEWAY_LOG_LEVEL: 'debug' }, { defaultLevel: 'warn' })).toBe('debug');
    expect(resolveLogLevel({ CONNECTOR_GATEWAY_LOG_LEVEL: 'loud' }, { defaultLevel: 'warn' })).toBe('warn');
    let stderr = '';
    const code = await runCliInProcess(['connectors', 'list', '--log-level', 'loud'], {
      env: {},
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      readStdin: async () => '',
    });
    expect(code).toBe(2);
    expect(stderr).toBe('error: log level: --log-level must be one of fatal, error, warn, info, debug, trace, silent, not "loud"\n');
  });

  it('redacts secrets by key at any depth and bearer credentials inside strings, copying nothing when clean', () => {
    const clean = { principal: 'org/usr', tool: 'x_echo', nested: { a: [1, { b: 'c' }] } };
    expect(redactSecrets(clean)).toBe(clean);
    const dirty = {
      Authorization: 'Bearer abc',
      headers: { cookie: 'sid=1', 'Proxy-Authorization': 'Basic eA==' },
      deep: { a: { b: { refresh_token: 'r', client_secret: 's' } } },
      list: [{ api_key: 'k' }, 'sent Bearer eyJ.abc.def upstream'],
      credentials: { type: 'api_key', api_key: 'k' },
    };
    expect(redactSecrets(dirty)).toEqual({
      Authorization: '[redacted]',
      headers: { cookie: '[redacted]', 'Proxy-Authorization': '[redacted]' },
      deep: { a: { b: { refresh_token: '[redacted]', client_secret: '[redacted]' } } },
      list: [{ api_key: '[redacted]' }, 'sent Bearer [redacted] upstream'],
      credentials: '[redacted]',
    });
    expect(dirty.headers.cookie).toBe('sid=1'); // the caller's object is left alone
    const err = Object.assign(new Error('401 for Bearer tok_123'), { code: 'E_AUTH', cause: { headers: { authorization: 'x' } } });
    expect(safeError(err)).toEqual({ type: 'Error', message: '401 for Bearer [redacted]', code: 'E_AUTH' });
  });
});
