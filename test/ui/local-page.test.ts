import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi } from '../../scripts/build-ui.mjs';
import { openAppContext, type AppContext } from '../../src/app/context.js';
import { LINK_TTL_MS, LocalPage } from '../../src/app/local-page.js';
import { createGatewayRuntime, type GatewayRuntime } from '../../src/app/runtime.js';
import { SessionCodec } from '../../src/auth/sessions.js';
import type { Principal } from '../../src/domain/principal.js';
import { capturingLogger, TEST_KEY } from '../api/harness.js';
import { manualClock } from '../helpers/timing.js';

const CONFIGS = '/v1/personal_connectors/configurations';
const LOCAL: Principal = { organization_id: 'org_local', user_id: 'usr_local', via: 'local' };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error?: { code: string; param?: string }; csrf_token?: string; user_id?: string; via?: string } & Record<string, unknown>;
  text: string;
}

/** node:http, not fetch: the test sets Host and Origin headers as a rebinding page's browser would. */
function send(origin: string, method: string, path: string, o: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const u = new URL(path, origin);
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent: false, host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(o.headers ?? {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: Reply['json'] = {};
          try {
            json = JSON.parse(text) as Reply['json'];
          } catch {
            // not JSON (the page's HTML)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the stdio server’s loopback settings page', () => {
  let dir: string;
  let ctx: AppContext;
  let runtime: GatewayRuntime;
  let page: LocalPage;
  const clock = manualClock(Date.now());
  const logs: string[] = [];

  beforeAll(async () => {
    await buildUi();
    dir = await mkdtemp(join(tmpdir(), 'cgw-local-page-'));
    ctx = await openAppContext({ env: { CONNECTOR_GATEWAY_KEY: TEST_KEY }, dataFile: join(dir, 'data.json'), log: capturingLogger(logs) });
    runtime = createGatewayRuntime(ctx);
    page = new LocalPage(ctx, { principal: LOCAL, gateway: runtime.gateway, now: clock.now });
  });
  afterAll(async () => {
    await page?.close();
    await runtime?.close();
    await ctx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const tokenOf = (url: string) => /#token=([A-Za-z0-9_-]+)$/.exec(url)![1]!;
  const signIn = async (origin: string, token: string) => send(origin, 'POST', '/v1/sessions', { body: { one_time_token: token } });
  const cookieOf = (r: Reply) => String(([] as string[]).concat(r.headers['set-cookie'] ?? [])[0] ?? '');

  it('listens only once a link is asked for, on 127.0.0.1, and keeps one listener for every link', async () => {
    expect(page.origin).toBeUndefined();
    expect(logs.join('\n')).not.toContain('settings page listening');
    const a = await page.link();
    const b = await page.link();
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/#token=[A-Za-z0-9_-]{32}$/);
    expect(new URL(b.url).origin).toBe(new URL(a.url).origin);
    expect(tokenOf(a.url)).not.toBe(tokenOf(b.url));
    expect(Date.parse(a.expires_at) - clock.now()).toBe(LINK_TTL_MS);
    expect(page.origin).toBe(new URL(a.url).origin);
    // The token is the credential: it is never logged.
    expect(logs.join('\n')).not.toContain(tokenOf(a.url));
    const html = await send(page.origin!, 'GET', '/ui/');
    expect(html.status).toBe(200);
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('a link signs in once, as the stdio server’s user, with a cookie of this port’s own name', async () => {
    const link = await page.link();
    const origin = new URL(link.url).origin;
    const first = await signIn(origin, tokenOf(link.url));
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ object: 'session', organization_id: 'org_local', user_id: 'usr_local', via: 'local' });
    const cookie = cookieOf(first);
    expect(cookie).toMatch(new RegExp(`^cg_local_${new URL(origin).port}=[^;]+; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Strict$`));
    const replay = await signIn(origin, tokenOf(link.url));
    expect(replay.status).toBe(401);
    expect(replay.json.error).toMatchObject({ code: 'invalid_one_time_token', param: 'one_time_token' });
    const wrong = await signIn(origin, 'A'.repeat(32));
    expect(wrong.status).toBe(401);
    expect(wrong.json.error?.code).toBe('invalid_one_time_token');

    // The session serves the REST API; a change needs its CSRF token.
    const pair = cookie.split(';')[0]!;
    const list = await send(origin, 'GET', CONFIGS, { headers: { cookie: pair } });
    expect(list.status, list.text).toBe(200);
    const noCsrf = await send(origin, 'POST', '/v1/api_keys', { headers: { cookie: pair }, body: { name: 'laptop' } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error?.code).toBe('csrf_token_invalid');
    const withCsrf = await send(origin, 'POST', '/v1/api_keys', { headers: { cookie: pair, 'x-csrf-token': String(first.json.csrf_token) }, body: { name: 'laptop' } });
    expect(withCsrf.status, withCsrf.text).toBe(201);
  });

  it('an unused link stops working after ten minutes', async () => {
    const link = await page.link();
    clock.advance(LINK_TTL_MS);
    const r = await signIn(new URL(link.url).origin, tokenOf(link.url));
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('invalid_one_time_token');
  });

  it('API keys open nothing here: neither as a bearer token nor to sign in', async () => {
    const key = await ctx.apiKeys.create({ organization_id: 'org_local', user_id: 'usr_local', name: 'cli' });
    const origin = page.origin!;
    const bearer = await send(origin, 'GET', CONFIGS, { headers: { authorization: `Bearer ${key.secret}` } });
    expect(bearer.status).toBe(401);
    const viaKey = await send(origin, 'POST', '/v1/sessions', { body: { api_key: key.secret } });
    expect(viaKey.status).toBe(401);
    expect(viaKey.json.error).toMatchObject({ code: 'api_key_sign_in_disabled', param: 'api_key' });
  });

  it('a session of another principal or of another page’s cookie is refused, though sealed with the same key', async () => {
    const origin = page.origin!;
    const port = new URL(origin).port;
    const codec = new SessionCodec(ctx.vault, clock.now);
    const other = codec.mint({ organization_id: 'org_local', user_id: 'usr_other', via: 'local' }).cookieValue;
    const r = await send(origin, 'GET', CONFIGS, { headers: { cookie: `cg_local_${port}=${other}` } });
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('invalid_session');
    // What `serve --transport http` names its cookie on the same host: not this page's.
    const mine = codec.mint(LOCAL).cookieValue;
    const http = await send(origin, 'GET', CONFIGS, { headers: { cookie: `cg_session=${mine}` } });
    expect(http.status).toBe(401);
  });

  it('refuses a Host or Origin other than loopback (DNS rebinding)', async () => {
    const link = await page.link();
    const origin = new URL(link.url).origin;
    const port = new URL(origin).port;
    const rebound = await send(origin, 'POST', '/v1/sessions', { headers: { host: `evil.example:${port}` }, body: { one_time_token: tokenOf(link.url) } });
    expect(rebound.status).toBe(403);
    expect(rebound.json.error?.code).toBe('invalid_host');
    const crossOrigin = await send(origin, 'POST', '/v1/sessions', { headers: { origin: 'http://evil.example' }, body: { one_time_token: tokenOf(link.url) } });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.json.error?.code).toBe('invalid_origin');
    // Neither refusal spent the token: the person's own browser still signs in with it.
    const ok = await send(origin, 'POST', '/v1/sessions', { headers: { host: `localhost:${port}` }, body: { one_time_token: tokenOf(link.url) } });
    expect(ok.status, ok.text).toBe(201);
  });

  it('stops listening when closed', async () => {
    const origin = page.origin!;
    await page.close();
    await expect(send(origin, 'GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    await expect(page.link()).rejects.toThrow(/closed/);
  });
});
