import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppContext, type AppContext } from '../../src/app/context.js';
import { createHttpServer, type RunningHttpServer } from '../../src/api/server.js';
import type { Logger } from '../../src/domain/logger.js';
import type { HealthCheck } from '../../src/service/ports.js';

/** A fixed key so runs are reproducible; never a real secret. */
export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');

/** A logger that keeps every line, so tests can search the logs for secrets. */
export function capturingLogger(lines: string[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: string[] } {
  const write = (level: string) => (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...bindings, ...obj, msg }));
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (b) => capturingLogger(lines, { ...bindings, ...b }),
  };
}

/** The shapes the API answers with, loosely: enough for assertions without `any`. */
export interface ApiJson {
  id?: string;
  object?: string;
  error?: { type: string; code: string; message: string; param?: string };
  data?: ApiJson[];
  has_more?: boolean;
  url?: string;
  name?: string;
  enabled?: boolean;
  health_status?: string;
  last_error?: string;
  metadata?: Record<string, string>;
  configuration?: Record<string, unknown>;
  updated_at?: string;
  deleted?: boolean;
  [k: string]: unknown;
}

export interface ApiHarness {
  dir: string;
  dataFile: string;
  ctx: AppContext;
  server: RunningHttpServer;
  logs: string[];
  /** Bearer secrets: two organizations, two users each. */
  keys: { a1: string; a2: string; b1: string; b2: string };
  request(method: string, path: string, opts?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; text: string; json: ApiJson }>;
  dataFileText(): Promise<string>;
  close(): Promise<void>;
}

export async function startApi(opts: { healthCheck?: HealthCheck; settings?: Record<string, unknown> } = {}): Promise<ApiHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'cgw-api-'));
  const dataFile = join(dir, 'data.json');
  const logs: string[] = [];
  let settingsFile: string | undefined;
  if (opts.settings) {
    settingsFile = join(dir, 'settings.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(settingsFile!, JSON.stringify(opts.settings)));
  }
  const ctx = await openAppContext({
    env: { CONNECTOR_GATEWAY_KEY: TEST_KEY },
    dataFile,
    log: capturingLogger(logs),
    healthCheck: opts.healthCheck ?? (async () => ({ ok: true })),
    ...(settingsFile ? { settingsFile } : {}),
  });
  const server = await createHttpServer(ctx, { host: '127.0.0.1', port: 0 });
  const mk = async (org: string, user: string) => (await ctx.apiKeys.create({ organization_id: org, user_id: user })).secret;
  const keys = { a1: await mk('org_a', 'usr_a1'), a2: await mk('org_a', 'usr_a2'), b1: await mk('org_b', 'usr_b1'), b2: await mk('org_b', 'usr_b2') };
  return {
    dir,
    dataFile,
    ctx,
    server,
    logs,
    keys,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const key = o.key === undefined ? keys.a1 : o.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(server.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let json: ApiJson = {};
      try {
        json = JSON.parse(text) as ApiJson;
      } catch {
        // not JSON: tests look at text
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    // The data file and its journal: together they are what is stored.
    dataFileText: async () => (await readFile(dataFile, 'utf8')) + '\u0000' + (await readFile(`${dataFile}.journal`, 'utf8').catch(() => '')),
    async close() {
      await server.close();
      await ctx.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
