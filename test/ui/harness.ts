import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppContext, type AppContext } from '../../src/app/context.js';
import { startServe, type RunningServe } from '../../src/app/serve.js';
import { capturingLogger, TEST_KEY } from '../api/harness.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> & { error?: { code: string; message: string; param?: string }; csrf_token?: string; data?: Record<string, unknown>[] };
}

/** The real HTTP server (`startServe`, as `serve --transport http` runs it) on a fresh data file. */
export interface PageServer {
  ctx: AppContext;
  serve: RunningServe;
  url: string;
  logs: string[];
  /** An API key of usr_p1 in org_p and one of usr_p2 in org_p. */
  keys: { p1: string; p2: string; p1Id: string };
  request(method: string, path: string, o?: { cookie?: string; csrf?: string; bearer?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  /** Signs in with an API key; returns the cookie pair to send and the CSRF token. */
  signIn(key: string): Promise<{ cookie: string; csrf: string; setCookie: string }>;
  close(): Promise<void>;
}

export async function startPageServer(opts: { settings?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<PageServer> {
  const dir = await mkdtemp(join(tmpdir(), 'cgw-ui-'));
  const logs: string[] = [];
  let settingsFile: string | undefined;
  if (opts.settings) {
    settingsFile = join(dir, 'settings.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(settingsFile!, JSON.stringify(opts.settings)));
  }
  const ctx = await openAppContext({ env: { CONNECTOR_GATEWAY_KEY: TEST_KEY, ...(opts.env ?? {}) }, dataFile: join(dir, 'data.json'), log: capturingLogger(logs), ...(settingsFile ? { settingsFile } : {}) });
  const serve = await startServe(ctx, { transport: 'http', host: '127.0.0.1', port: 0, principal: { organization_id: 'org_p', user_id: 'usr_p1', via: 'local' } });
  const k1 = await ctx.apiKeys.create({ organization_id: 'org_p', user_id: 'usr_p1', name: 'p1' });
  const k2 = await ctx.apiKeys.create({ organization_id: 'org_p', user_id: 'usr_p2', name: 'p2' });
  const url = serve.url!;
  const request: PageServer['request'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.cookie) headers.cookie = o.cookie;
    if (o.csrf !== undefined) headers['x-csrf-token'] = o.csrf;
    if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: Reply['json'] = {};
    try {
      json = JSON.parse(text) as Reply['json'];
    } catch {
      // HTML, scripts: tests read the text
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    ctx,
    serve,
    url,
    logs,
    keys: { p1: k1.secret, p2: k2.secret, p1Id: k1.id },
    request,
    async signIn(key) {
      const r = await request('POST', '/v1/sessions', { body: { api_key: key } });
      if (r.status !== 201) throw new Error(`sign-in failed: ${r.status} ${r.text}`);
      const setCookie = r.headers.get('set-cookie') ?? '';
      return { cookie: setCookie.split(';')[0]!, csrf: String(r.json.csrf_token), setCookie };
    },
    async close() {
      await serve.close();
      await ctx.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
