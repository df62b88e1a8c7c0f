import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openAppContext } from '../../src/app/context.js';
import { silentLogger } from '../../src/domain/logger.js';
import { CLI } from './cli.js';
import { PATIENCE_MS } from './timing.js';

/** One caller of the spawned server: its API key secret and who it acts as. */
export interface TestPrincipal {
  organization_id: string;
  /** Absent for a bare API key principal (configurations owned by the key itself). */
  user_id?: string;
  keyId: string;
  secret: string;
}

/** A data file with API keys already in it, and the environment every process on it shares. */
export interface PreparedData {
  dir: string;
  dataFile: string;
  env: Record<string, string>;
  principals: TestPrincipal[];
  remove(): Promise<void>;
}

export interface PrepareOptions {
  /** Number of principals (default 2): org_t{i}/usr_t{i}, or explicit owners. */
  principals?: number | { organization_id: string; user_id?: string }[];
  /** Written to settings.json (over patient discovery and call deadlines) and passed as CONNECTOR_GATEWAY_CONFIG. */
  settings?: Record<string, unknown>;
  /** Extra environment (e.g. CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1'). */
  env?: Record<string, string>;
}

/** The settings' largest discovery deadline is 120 s: PATIENCE_MS stretched by TEST_PATIENCE is capped there. */
const PATIENT_LIMITS = { discovery_timeout_ms: Math.min(PATIENCE_MS, 120_000), call_timeout_ms: PATIENCE_MS };

/** A fresh folder, a random vault key and one API key per principal, written by the real services. */
export async function prepareData(opts: PrepareOptions = {}): Promise<PreparedData> {
  const dir = mkdtempSync(join(tmpdir(), 'cgw-srv-'));
  const dataFile = join(dir, 'data.json');
  const env: Record<string, string> = {};
  // Only what a process needs: nothing from the caller's CONNECTOR_GATEWAY_* can leak in.
  for (const k of ['PATH', 'SYSTEMROOT', 'TMPDIR', 'LANG']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  env.HOME = dir;
  env.CONNECTOR_GATEWAY_DATA = dataFile;
  env.CONNECTOR_GATEWAY_KEY = randomBytes(32).toString('base64');
  env.CONNECTOR_GATEWAY_LOG_LEVEL = 'info';
  // Every spawned server gets deadlines a loaded machine never reaches (the defaults, 10 s for
  // discovery, are real timers in another process): a test's own limits win.
  const settings = { ...(opts.settings ?? {}), limits: { ...PATIENT_LIMITS, ...((opts.settings?.limits as Record<string, unknown> | undefined) ?? {}) } };
  const settingsFile = join(dir, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify(settings));
  env.CONNECTOR_GATEWAY_CONFIG = settingsFile;
  Object.assign(env, opts.env ?? {});
  const owners =
    typeof opts.principals === 'object'
      ? opts.principals
      : Array.from({ length: opts.principals ?? 2 }, (_, i) => ({ organization_id: `org_t${i}`, user_id: `usr_t${i}` }));
  const ctx = await openAppContext({ dataFile, env, log: silentLogger });
  const principals: TestPrincipal[] = [];
  try {
    for (const o of owners) {
      const key = await ctx.apiKeys.create({ ...o, name: 'test' });
      principals.push({ ...o, keyId: key.id, secret: key.secret });
    }
  } finally {
    await ctx.close();
  }
  // The server's local principal is the first one, which has a key: no first-run key is written.
  const first = principals[0];
  if (first?.user_id !== undefined && env.CONNECTOR_GATEWAY_USER === undefined) {
    env.CONNECTOR_GATEWAY_USER = first.user_id;
    env.CONNECTOR_GATEWAY_ORG = first.organization_id;
  }
  return { dir, dataFile, env, principals, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface SpawnedServer {
  url: string;
  mcpUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr (its log) so far. */
  stderr(): string;
  stdout(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit: a crash. */
  kill(): Promise<void>;
}

/** The built binary (`dist/src/cli/main.js serve --transport http --port 0`) on the data file; resolves once it listens. */
export async function spawnServer(data: Pick<PreparedData, 'env' | 'dataFile'>, opts: { env?: Record<string, string> } = {}): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [CLI, 'serve', '--transport', 'http', '--host', '127.0.0.1', '--port', '0', '--data', data.dataFile], {
    env: { ...data.env, ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${PATIENCE_MS} ms: ${err}`)), PATIENCE_MS);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening: ${err}`));
    });
  });
  const ended = new Promise<void>((r) => child.once('exit', () => r()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await ended;
  };
  return { url, mcpUrl: `${url}/mcp`, child, stderr: () => err, stdout: () => out, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** prepareData + spawnServer in one step; `close` stops the server and removes the folder. */
export async function startServer(opts: PrepareOptions = {}) {
  const data = await prepareData(opts);
  const server = await spawnServer(data);
  return {
    ...data,
    ...server,
    async close() {
      await server.stop();
      await data.remove();
    },
  };
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  json: T | undefined;
}

/** One REST call with a bearer secret; the body is sent as JSON text exactly as given. */
export async function api<T = ApiBody>(
  base: string,
  secret: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const h: Record<string, string> = { ...headers };
  if (secret !== undefined) h.authorization = `Bearer ${secret}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let json: T | undefined;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The REST shapes tests look at, loosely typed without `any`. */
export interface ApiBody {
  id?: string;
  object?: string;
  name?: string;
  data?: ApiBody[];
  has_more?: boolean;
  health_status?: string;
  last_error?: string;
  configuration?: Record<string, unknown>;
  metadata?: Record<string, string>;
  description?: string;
  error?: { type: string; code: string; message: string; param?: string };
  [k: string]: unknown;
}

export const CONFIGURATIONS = '/v1/personal_connectors/configurations';
