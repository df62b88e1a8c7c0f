import { type IncomingMessage, type Server } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';

/** A loopback server that records every request it gets (headers and body) and answers 401. */
async function startRecorder(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${body}`);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const planted = (what: string) => `PLANTED${what}${randomBytes(6).toString('hex')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Every form of a secret that could be on the wire. */
function forms(secret: string, email?: string): string[] {
  return [secret, encodeURIComponent(secret), b64(secret), ...(email ? [b64(`${email}:${secret}`)] : [])];
}

/**
 * Each connector, each field that decides where its credentials go: a configuration saved for one
 * host (home) is pointed at another (the attacker's) without its credentials. The change is
 * refused, naming the field, and the attacker's host never sees any form of the stored secret,
 * not even after a health check and a tool listing. Given again in the same request, new
 * credentials go to the new host; the old ones never do.
 */
describe('stored credentials stay with their destination', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let home: Awaited<ReturnType<typeof startRecorder>>;
  let attacker: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    [home, attacker] = await Promise.all([startRecorder(), startRecorder()]);
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
  });
  afterAll(async () => {
    await srv?.close();
    await Promise.all([home?.close(), attacker?.close()]);
  });
  const secret = () => srv.principals[0]!.secret;

  const cases: { connector: string; field: string; config: (base: string) => Record<string, unknown>; moved: (base: string) => Record<string, unknown>; credentials: (s: string) => Record<string, unknown>; email?: string }[] = [
    { connector: 'pc_github', field: 'api_base_url', config: (b) => ({ api_base_url: b }), moved: (b) => ({ api_base_url: b }), credentials: (s) => ({ type: 'bearer', token: s }) },
    { connector: 'pc_clickup', field: 'api_base_url', config: (b) => ({ api_base_url: b }), moved: (b) => ({ api_base_url: b }), credentials: (s) => ({ type: 'api_key', api_key: s }) },
    { connector: 'pc_teams', field: 'api_base_url', config: (b) => ({ api_base_url: b }), moved: (b) => ({ api_base_url: b }), credentials: (s) => ({ type: 'bearer', token: s }) },
    { connector: 'pc_jira', field: 'site_url', config: (b) => ({ site_url: b, email: 'ada@example.com' }), moved: (b) => ({ site_url: b }), credentials: (s) => ({ type: 'api_key', api_key: s }), email: 'ada@example.com' },
    { connector: 'pc_jira', field: 'api_base_url', config: (b) => ({ site_url: b, email: 'ada@example.com' }), moved: (b) => ({ api_base_url: b }), credentials: (s) => ({ type: 'api_key', api_key: s }), email: 'ada@example.com' },
    { connector: 'pc_custom_mcp', field: 'endpoint', config: (b) => ({ endpoint: `${b}/mcp` }), moved: (b) => ({ endpoint: `${b}/mcp` }), credentials: (s) => ({ type: 'bearer', token: s }) },
    { connector: 'pc_custom_mcp', field: 'endpoint', config: (b) => ({ endpoint: `${b}/mcp` }), moved: (b) => ({ endpoint: `${b}/mcp` }), credentials: (s) => ({ type: 'oauth2', access_token: s, token_type: 'Bearer' }) },
  ];

  it.each(cases)('$connector: changing $field without the credentials is refused, and the old secret never reaches the new host', async (c) => {
    const old = planted('old');
    const created = await api<ApiBody>(srv.url, secret(), 'POST', CONFIGURATIONS, { personal_connector_id: c.connector, name: `dest ${c.connector} ${c.field}`, configuration: c.config(home.url), credentials: c.credentials(old) });
    expect(created.status, created.text).toBe(201);
    const id = created.json!.id as string;
    await api(srv.url, secret(), 'POST', `${CONFIGURATIONS}/${id}/test`);

    const refused = await api<ApiBody>(srv.url, secret(), 'PATCH', `${CONFIGURATIONS}/${id}`, { configuration: c.moved(attacker.url) });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.json?.error).toMatchObject({ code: 'credentials_required_for_destination', param: `configuration.${c.field}` });
    await api(srv.url, secret(), 'POST', `${CONFIGURATIONS}/${id}/test`);
    const after = await api<ApiBody>(srv.url, secret(), 'GET', `${CONFIGURATIONS}/${id}`);
    expect(JSON.stringify(after.json?.configuration)).not.toContain(attacker.url);

    // With the credentials given again, the change goes through and only the new secret goes there.
    const fresh = planted('new');
    const moved = await api<ApiBody>(srv.url, secret(), 'PATCH', `${CONFIGURATIONS}/${id}`, { configuration: c.moved(attacker.url), credentials: c.credentials(fresh) });
    expect(moved.status, moved.text).toBe(200);
    await api(srv.url, secret(), 'POST', `${CONFIGURATIONS}/${id}/test`);
    const atAttacker = attacker.seen.join('\n');
    for (const f of forms(old, c.email)) expect(atAttacker).not.toContain(f);
    expect(atAttacker).toContain(c.email ? b64(`${c.email}:${fresh}`) : fresh);
    await api(srv.url, secret(), 'DELETE', `${CONFIGURATIONS}/${id}`);
  });

  it('changes that do not move the credentials need no credentials', async () => {
    const created = await api<ApiBody>(srv.url, secret(), 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_github', name: 'stays', configuration: { api_base_url: home.url }, credentials: { type: 'bearer', token: planted('t') } });
    const id = created.json!.id as string;
    const patched = await api<ApiBody>(srv.url, secret(), 'PATCH', `${CONFIGURATIONS}/${id}`, { name: 'renamed', configuration: { read_only: true, api_base_url: home.url } });
    expect(patched.status, patched.text).toBe(200);
    // Removing the credentials while moving is allowed too: nothing stored goes anywhere.
    const removed = await api<ApiBody>(srv.url, secret(), 'PATCH', `${CONFIGURATIONS}/${id}`, { configuration: { api_base_url: attacker.url }, credentials: null });
    expect(removed.status, removed.text).toBe(400); // GitHub requires credentials: refused for that reason, not for the move
    expect(removed.json?.error?.param).toBe('credentials');
  });
});
