import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneTimeTokens, SessionCodec } from '../../src/auth/sessions.js';
import { sessionCookie } from '../../src/api/session-auth.js';
import { Vault, loadKeyRing } from '../../src/crypto/index.js';
import { startPageServer, type PageServer } from './harness.js';
import { TEST_KEY } from '../api/harness.js';

const CONFIGS = '/v1/personal_connectors/configurations';
const GITHUB = { personal_connector_id: 'pc_github', name: 'Session GitHub', configuration: { repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: 'ghp_sessiontest000000000000000000000000' } };

describe('management page sessions: cookie + CSRF on the REST API', () => {
  let s: PageServer;
  beforeAll(async () => {
    s = await startPageServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  const count = async () => (await s.request('GET', `${CONFIGS}?limit=100`, { bearer: s.keys.p1 })).json.data!.length;

  it('signs in with an API key: an HttpOnly SameSite=Strict cookie and a CSRF token, never the key back', async () => {
    const r = await s.request('POST', '/v1/sessions', { body: { api_key: s.keys.p1 } });
    expect(r.status, r.text).toBe(201);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^cg_session=[A-Za-z0-9_-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('Secure'); // plain http on loopback
    expect(r.json).toMatchObject({ object: 'session', organization_id: 'org_p', user_id: 'usr_p1', via: 'api_key' });
    expect(String(r.json.csrf_token)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(r.text).not.toContain(s.keys.p1);
    expect(setCookie).not.toContain(s.keys.p1);
    expect(s.logs.join('\n')).not.toContain(s.keys.p1);
  });

  it('a wrong key is 401 naming the api_key field, and sets no cookie', async () => {
    const r = await s.request('POST', '/v1/sessions', { body: { api_key: 'cgw_not_a_real_key_0000000000000000000000' } });
    expect(r.status).toBe(401);
    expect(r.json.error).toMatchObject({ param: 'api_key' });
    expect(r.headers.get('set-cookie')).toBeNull();
    const empty = await s.request('POST', '/v1/sessions', { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a sign-in that is not JSON (what a cross-site form could send)', async () => {
    const r = await s.request('POST', '/v1/sessions', { body: { api_key: s.keys.p1 }, headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(415);
    expect(r.json.error).toMatchObject({ code: 'unsupported_media_type', param: 'content-type' });
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('the cookie reads the REST API as its principal, and only its own configurations', async () => {
    const { cookie } = await s.signIn(s.keys.p1);
    const mine = await s.request('POST', CONFIGS, { bearer: s.keys.p1, body: { ...GITHUB, name: 'Mine' } });
    const theirs = await s.request('POST', CONFIGS, { bearer: s.keys.p2, body: { ...GITHUB, name: 'Theirs' } });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    const list = await s.request('GET', `${CONFIGS}?limit=100`, { cookie });
    expect(list.status).toBe(200);
    const names = list.json.data!.map((c) => c.name);
    expect(names).toContain('Mine');
    expect(names).not.toContain('Theirs');
    expect((await s.request('GET', `${CONFIGS}/${String(theirs.json.id)}`, { cookie })).status).toBe(404);
    const current = await s.request('GET', '/v1/sessions/current', { cookie });
    expect(current.json).toMatchObject({ user_id: 'usr_p1', object: 'session' });
  });

  it('a change without the CSRF token, or with a wrong one, changes nothing', async () => {
    const { cookie, csrf } = await s.signIn(s.keys.p1);
    const created = await s.request('POST', CONFIGS, { bearer: s.keys.p1, body: { ...GITHUB, name: 'Guarded' } });
    const id = String(created.json.id);
    const before = await s.request('GET', `${CONFIGS}/${id}`, { bearer: s.keys.p1 });
    const n = await count();
    const attempts: [string, string, unknown][] = [
      ['POST', CONFIGS, { ...GITHUB, name: 'Forged' }],
      ['PATCH', `${CONFIGS}/${id}`, { enabled: false, name: 'Forged' }],
      ['POST', `${CONFIGS}/${id}/test`, undefined],
      ['DELETE', `${CONFIGS}/${id}`, undefined],
      ['POST', '/v1/api_keys', { name: 'forged' }],
      ['POST', `${CONFIGS}/oauth/start`, { personal_connector_id: 'pc_github', name: 'x' }],
      ['DELETE', '/v1/sessions/current', undefined],
    ];
    for (const [method, path, body] of attempts) {
      for (const presented of [undefined, '', 'wrong-token', csrf.slice(0, -1)]) {
        const r = await s.request(method, path, { cookie, ...(presented !== undefined ? { csrf: presented } : {}), ...(body !== undefined ? { body } : {}) });
        expect(r.status, `${method} ${path} csrf=${String(presented)}: ${r.text}`).toBe(403);
        expect(r.json.error?.code).toBe('csrf_token_invalid');
      }
    }
    const after = await s.request('GET', `${CONFIGS}/${id}`, { bearer: s.keys.p1 });
    expect(after.text).toBe(before.text);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(await count()).toBe(n);
    // The session still works: the refusals did not sign it out.
    expect((await s.request('GET', '/v1/sessions/current', { cookie })).status).toBe(200);
    // With the token, the same change goes through.
    const ok = await s.request('PATCH', `${CONFIGS}/${id}`, { cookie, csrf, body: { enabled: false }, headers: { 'if-match': before.headers.get('etag')! } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.enabled).toBe(false);
  });

  it('another user\'s CSRF token does not pass for this session', async () => {
    const a = await s.signIn(s.keys.p1);
    const b = await s.signIn(s.keys.p2);
    const r = await s.request('POST', CONFIGS, { cookie: a.cookie, csrf: b.csrf, body: { ...GITHUB, name: 'Cross' } });
    expect(r.status).toBe(403);
  });

  it('a request from another origin is refused before anything runs', async () => {
    const { cookie, csrf } = await s.signIn(s.keys.p1);
    const n = await count();
    const r = await s.request('POST', CONFIGS, { cookie, csrf, body: { ...GITHUB, name: 'Evil' }, headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('invalid_origin');
    expect(await count()).toBe(n);
  });

  it('a forged or altered cookie is 401 invalid_session; no cookie is the usual bearer 401', async () => {
    const { cookie } = await s.signIn(s.keys.p1);
    const [name, value] = cookie.split('=') as [string, string];
    const altered = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
    const r = await s.request('GET', CONFIGS, { cookie: `${name}=${altered}` });
    expect(r.status).toBe(401);
    expect(['invalid_session']).toContain(r.json.error?.code);
    const none = await s.request('GET', CONFIGS);
    expect(none.status).toBe(401);
    expect(none.json.error?.code).toBe('missing_authorization');
  });

  it('signing out ends the session for every copy of its cookie', async () => {
    const { cookie, csrf } = await s.signIn(s.keys.p1);
    const out = await s.request('DELETE', '/v1/sessions/current', { cookie, csrf });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^cg_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const after = await s.request('GET', CONFIGS, { cookie });
    expect(after.status).toBe(401);
    expect(after.json.error?.code).toBe('session_expired');
  });

  it('revoking the API key ends the sessions signed in with it', async () => {
    const key = await s.ctx.apiKeys.create({ organization_id: 'org_p', user_id: 'usr_p1', name: 'short-lived' });
    const { cookie } = await s.signIn(key.secret);
    expect((await s.request('GET', CONFIGS, { cookie })).status).toBe(200);
    await s.ctx.apiKeys.revoke(key.id);
    const r = await s.request('GET', CONFIGS, { cookie });
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('session_expired');
  });

  it('the session cookie never opens /mcp: MCP clients use bearer tokens only', async () => {
    const { cookie } = await s.signIn(s.keys.p1);
    const r = await s.request('POST', '/mcp', {
      cookie,
      headers: { accept: 'application/json, text/event-stream' },
      body: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
    });
    expect(r.status).toBe(401);
  });
});

describe('session codec', () => {
  const vault = async () => new Vault((await loadKeyRing({ env: { CONNECTOR_GATEWAY_KEY: TEST_KEY }, dataFile: '/nonexistent/data.json', sealedKids: [] })).ring);

  it('a session expires at its end (injected clock), and no later than the token it came from', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const codec = new SessionCodec(await vault(), () => now, 60_000);
    const { cookieValue, session } = codec.mint({ organization_id: 'org_a', user_id: 'usr_a', via: 'api_key', api_key_id: 'key_1' });
    expect(session.expires_at).toBe('2026-12-01T00:01:00.000Z');
    expect(codec.open(cookieValue)).toMatchObject({ session: { id: session.id } });
    now += 59_999;
    expect('session' in codec.open(cookieValue)).toBe(true);
    now += 1;
    expect(codec.open(cookieValue)).toEqual({ problem: 'expired' });
    const capped = codec.mint({ organization_id: 'org_a', via: 'oidc' }, now + 5_000).session;
    expect(Date.parse(capped.expires_at)).toBe(now + 5_000);
  });

  it('a cookie sealed under another key, or altered, does not open', async () => {
    const a = new SessionCodec(await vault());
    const other = new Vault((await loadKeyRing({ env: { CONNECTOR_GATEWAY_KEY: Buffer.alloc(32, 9).toString('base64') }, dataFile: '/nonexistent/data.json', sealedKids: [] })).ring);
    const foreign = new SessionCodec(other).mint({ organization_id: 'org_a', via: 'local' }).cookieValue;
    expect(a.open(foreign)).toEqual({ problem: 'invalid' });
    expect(a.open('not-base64-json')).toEqual({ problem: 'invalid' });
    const sealed = JSON.parse(Buffer.from(a.mint({ organization_id: 'org_a', via: 'local' }).cookieValue, 'base64url').toString()) as { ct: string };
    sealed.ct = Buffer.from('{"id":"x"}').toString('base64');
    expect(a.open(Buffer.from(JSON.stringify(sealed)).toString('base64url'))).toEqual({ problem: 'invalid' });
  });

  it('one-time tokens open one session, once, before they expire', () => {
    let now = 0;
    const tokens = new OneTimeTokens(() => now, 1_000);
    const t = tokens.issue({ organization_id: 'org_l', user_id: 'usr_l', via: 'local' });
    expect(tokens.redeem(t)).toMatchObject({ user_id: 'usr_l' });
    expect(tokens.redeem(t)).toBeUndefined();
    const late = tokens.issue({ organization_id: 'org_l', via: 'local' });
    now = 1_000;
    expect(tokens.redeem(late)).toBeUndefined();
    expect(tokens.redeem('guessed')).toBeUndefined();
  });

  it('over https the cookie is Secure and __Host- bound to the origin', () => {
    expect(sessionCookie(true, 'v', 60)).toBe('__Host-cg_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure');
  });
});
