import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/domain/errors.js';
import type { Credentials } from '../../../src/domain/credentials.js';
import { serviceMessage } from '../../../src/http/upstream-errors.js';
import { staticCredentials } from '../../helpers/credentials.js';
import { clientOptions, json, startServer, testFactory } from './server.js';

const TOKEN = 'ghp_SuperSecretToken1234567890';
const QUERY_SECRET = 'qs-secret-abcdef123456';

function bearer(c: Credentials): Record<string, string> {
  const token = c.type === 'oauth2' ? c.access_token : c.type === 'bearer' ? c.token : c.api_key;
  return { Authorization: `Bearer ${token}` };
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
}

describe('HttpClient: failure mapping', () => {
  const factory = testFactory();
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const auth = req.headers.authorization ?? '';
      switch (url.pathname) {
        case '/401':
          return json(res, 401, { message: 'Bad credentials' });
        case '/403':
          return json(res, 403, { message: 'Resource not accessible by integration' });
        case '/clickup-401-team':
          // ClickUp's answer for a workspace this valid token may not use: a permission refusal.
          return json(res, 401, { err: 'Team not authorized', ECODE: 'OAUTH_027' });
        case '/clickup-401-token':
          return json(res, 401, { err: 'Token invalid', ECODE: 'OAUTH_025' });
        case '/404':
          return json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        case '/422':
          return json(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] });
        case '/jira-400':
          return json(res, 400, { errorMessages: ['Field does not exist'], errors: { summary: 'You must specify a summary.' } });
        case '/clickup-400':
          return json(res, 400, { err: 'Task name invalid', ECODE: 'INPUT_005' });
        case '/graph-409':
          return json(res, 409, { error: { code: 'Conflict', message: 'The channel already exists.' } });
        case '/500':
          return json(res, 500, { message: 'Server Error' });
        case '/502-html':
          res.writeHead(502, { 'content-type': 'text/html' });
          return res.end('<html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>nginx</h1></body></html>');
        case '/echo-secret':
          // A careless service that echoes the credential and the URL back in its error.
          return json(res, 400, { message: `token ${auth} is invalid for ${req.url}` });
        case '/echo-secret-long':
          // The token straddles the 300-character limit of a service message, and is echoed base64-encoded too.
          return json(res, 400, { message: `${'x'.repeat(280)} ${auth} ${Buffer.from(auth).toString('base64')}` });
        case '/refresh':
          return auth === 'Bearer new-token' ? json(res, 200, { ok: true }) : json(res, 401, { message: 'token expired' });
        default:
          return json(res, 404, {});
      }
    });
  });

  afterAll(async () => {
    await factory.close();
    await server.close();
  });

  const cases: [string, UpstreamError['kind'], RegExp][] = [
    ['/401', 'credentials', /^TestService answered 401 Unauthorized for GET \/401: Bad credentials$/],
    ['/403', 'permission', /403 Forbidden for GET \/403: Resource not accessible by integration/],
    ['/clickup-401-team', 'permission', /401 Unauthorized for GET \/clickup-401-team: Team not authorized \(OAUTH_027\)/],
    ['/clickup-401-token', 'credentials', /401 Unauthorized for GET \/clickup-401-token: Token invalid \(OAUTH_025\)/],
    ['/404', 'not_found', /^TestService answered 404 Not Found for GET \/404: Not Found$/],
    ['/422', 'validation', /422 Unprocessable Entity for GET \/422: Validation Failed; title missing_field/],
    ['/jira-400', 'validation', /400 Bad Request .*Field does not exist; summary: You must specify a summary\./],
    ['/clickup-400', 'validation', /Task name invalid \(INPUT_005\)/],
    ['/graph-409', 'validation', /409 Conflict .*Conflict: The channel already exists\./],
    ['/500', 'server', /500 Internal Server Error for POST \/500: Server Error/],
    ['/502-html', 'server', /^TestService answered 502 Bad Gateway for POST \/502-html: 502 Bad Gateway$/],
  ];

  for (const [path, kind, message] of cases) {
    it(`maps ${path} to ${kind}`, async () => {
      const http = factory.create(clientOptions(server.origin));
      const method = kind === 'server' ? 'POST' : 'GET';
      const err = await failure(http.request({ method, path }));
      expect(err.kind).toBe(kind);
      expect(err.message).toMatch(message);
      expect(err.upstreamStatus).toBe(Number(path.match(/\d{3}/)?.[0]));
    });
  }

  it('maps an unresolvable host to network "could not resolve"', async () => {
    // A fake resolver: the test must not depend on (or reach) a real DNS server.
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const offline = testFactory({ resolver: () => Promise.reject(notFound) });
    try {
      const http = offline.create({ ...clientOptions('https://gateway-test.invalid/'), network: { allowLoopback: false, allowPrivate: false } });
      const err = await failure(http.request({ method: 'GET', path: '/x' }));
      expect(err.kind).toBe('network');
      expect(err.message).toBe('TestService: could not resolve gateway-test.invalid for GET /x');
    } finally {
      await offline.close();
    }
  });

  it('maps a refused connection to kind network', async () => {
    const closed = await startServer(() => {});
    const origin = closed.origin;
    await closed.close();
    const http = factory.create(clientOptions(origin));
    const err = await failure(http.request({ method: 'POST', path: '/x', json: {} }));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/refused the connection/);
  });

  it('scrubs before shortening: a token cut by the message limit leaves no prefix, and no encoded form survives', async () => {
    const http = factory.create(clientOptions(server.origin, { auth: { source: staticCredentials({ type: 'bearer', token: TOKEN }), apply: bearer } }));
    const err = await failure(http.request({ method: 'GET', path: '/echo-secret-long' }));
    expect(err.message).not.toContain(TOKEN.slice(0, 8));
    expect(err.message).not.toContain(Buffer.from(`Bearer ${TOKEN}`).toString('base64').slice(0, 12));
    expect(err.message).toContain('***');
  });

  it('never shows a token, an Authorization header or a secret query value', async () => {
    const http = factory.create(clientOptions(server.origin, { auth: { source: staticCredentials({ type: 'bearer', token: TOKEN }), apply: bearer } }));
    const err = await failure(http.request({ method: 'GET', path: '/echo-secret', query: { access_token: QUERY_SECRET, client_secret: QUERY_SECRET, page: 2 } }));
    expect(err.message).toMatch(/access_token=\*\*\*/);
    expect(err.message).toMatch(/page=2/);
    const everything = JSON.stringify({ message: err.message, stack: err.stack, body: err.toBody() });
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(QUERY_SECRET);
  });

  it('logs retries without any secret', async () => {
    const lines: string[] = [];
    const capture = {
      debug: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')),
      info: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')),
      warn: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')),
      error: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')),
      child: () => capture,
    };
    const logged = testFactory({ log: capture });
    try {
      const http = logged.create(clientOptions(server.origin, { auth: { source: staticCredentials({ type: 'bearer', token: TOKEN }), apply: bearer } }));
      await failure(http.request({ method: 'GET', path: '/500', query: { token: QUERY_SECRET } }));
    } finally {
      await logged.close();
    }
    expect(lines.join('\n')).toMatch(/retrying upstream request/);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(QUERY_SECRET);
  });

  it('refreshes OAuth2 credentials once on 401 and retries with the new token', async () => {
    const source = staticCredentials({ type: 'oauth2', access_token: 'old-token' }, { type: 'oauth2', access_token: 'new-token' });
    const http = factory.create(clientOptions(server.origin, { auth: { source, apply: bearer } }));
    const before = server.seen.length;
    const res = await http.request<{ ok: boolean }>({ method: 'POST', path: '/refresh', json: {} });
    expect(res.data.ok).toBe(true);
    expect(source.refreshes).toBe(1);
    expect(server.seen.slice(before).map((s) => s.headers.authorization)).toEqual(['Bearer old-token', 'Bearer new-token']);
  });

  it('gives up with credentials when the refresh yields nothing, without looping', async () => {
    const source = staticCredentials({ type: 'oauth2', access_token: 'old-token' });
    const http = factory.create(clientOptions(server.origin, { auth: { source, apply: bearer } }));
    const before = server.seen.length;
    const err = await failure(http.request({ method: 'GET', path: '/refresh' }));
    expect(err.kind).toBe('credentials');
    expect(source.refreshes).toBe(1);
    expect(server.seen.length - before).toBe(1);
  });

  it('does not loop when the refreshed token is refused too', async () => {
    const source = staticCredentials({ type: 'oauth2', access_token: 'old-token' }, { type: 'oauth2', access_token: 'also-bad' });
    const http = factory.create(clientOptions(server.origin, { auth: { source, apply: bearer } }));
    const before = server.seen.length;
    const err = await failure(http.request({ method: 'GET', path: '/refresh' }));
    expect(err.kind).toBe('credentials');
    expect(source.refreshes).toBe(1);
    expect(server.seen.length - before).toBe(2);
  });

  it('does not refresh api_key credentials on 401', async () => {
    const source = staticCredentials({ type: 'api_key', api_key: 'key-123456' }, { type: 'api_key', api_key: 'other' });
    const http = factory.create(clientOptions(server.origin, { auth: { source, apply: bearer } }));
    const err = await failure(http.request({ method: 'GET', path: '/refresh' }));
    expect(err.kind).toBe('credentials');
    expect(source.refreshes).toBe(0);
  });
});

describe('serviceMessage', () => {
  it('reads each service error shape and keeps it short', () => {
    expect(serviceMessage({ message: 'Not Found' })).toBe('Not Found');
    expect(serviceMessage({ errorMessages: [], errors: { project: 'project is required' } })).toBe('project: project is required');
    expect(serviceMessage({ err: 'Oauth token not found', ECODE: 'OAUTH_019' })).toBe('Oauth token not found (OAUTH_019)');
    expect(serviceMessage({ error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' } })).toBe(
      'InvalidAuthenticationToken: Access token has expired.',
    );
    expect(serviceMessage({ error: 'invalid_grant', error_description: 'expired' })).toBe('expired');
    expect(serviceMessage({ message: 'x'.repeat(1000) })!.length).toBeLessThanOrEqual(300);
    expect(serviceMessage([1, 2])).toBeUndefined();
    expect(serviceMessage({ unrelated: true })).toBeUndefined();
  });
});
