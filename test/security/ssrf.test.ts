import { type Server as HttpServer } from 'node:http';
import { createServer as createHttp } from '../helpers/test-server.js';
import { createServer as createTcp, type Server as TcpServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUrlAllowed, createGuardedLookup, type Resolver } from '../../src/http/network-guard.js';
import type { NetworkPolicy } from '../../src/domain/network.js';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';

/**
 * SSRF: custom MCP endpoints at metadata, link-local, private and loopback addresses. Every refusal
 * happens before a connection: addresses that are not loopback are first checked with the guard
 * itself (no traffic), and canaries that the kernel would route to this machine (0.0.0.0, ::,
 * localhost, 127.0.0.1) point at a trap listener that must see no connection at all.
 */
const STRICT: NetworkPolicy = { allowLoopback: false, allowPrivate: false };
const LOOPBACK_OK: NetworkPolicy = { allowLoopback: true, allowPrivate: false };
const EVERYTHING: NetworkPolicy = { allowLoopback: true, allowPrivate: true };

/** Never dialled: the test fails before any request if the guard would let one of these through. */
const UNREACHABLE = [
  'http://169.254.169.254/latest/meta-data/',
  'https://169.254.169.254/mcp',
  'https://[fd00:ec2::254]/mcp',
  'https://100.100.100.200/mcp',
  'http://metadata.google.internal/computeMetadata/v1/',
  'https://metadata.google.internal./mcp',
  'https://10.0.0.1/mcp',
  'https://192.168.1.1/mcp',
  'https://172.16.0.1/mcp',
  'https://[fe80::1]/mcp',
  'https://[::ffff:169.254.169.254]/mcp',
  'https://user:pass@example.com/mcp',
];

interface Trap {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** A TCP listener that only counts: any connection to it is a guard failure. */
async function trap(host: string): Promise<Trap> {
  const t = { port: 0, connections: 0, close: async () => {} };
  const server: TcpServer = createTcp((socket) => {
    t.connections++;
    socket.destroy();
  });
  server.listen(0, host);
  await once(server, 'listening');
  t.port = (server.address() as AddressInfo).port;
  t.close = () => new Promise<void>((r) => server.close(() => r()));
  return t;
}

let v4: Trap;
let v6: Trap | undefined;
let redirector: HttpServer;
let redirectTo = '';

beforeAll(async () => {
  v4 = await trap('127.0.0.1');
  v6 = await trap('::1').catch(() => undefined); // IPv6 may be disabled on the machine
  redirector = createHttp((req, res) => {
    res.writeHead(307, { location: redirectTo }).end();
  });
  redirector.listen(0, '127.0.0.1');
  await once(redirector, 'listening');
});
afterAll(async () => {
  await v4?.close();
  await v6?.close();
  redirector?.closeAllConnections();
  await new Promise<void>((r) => redirector?.close(() => r()));
});

describe('SSRF guard, checked without traffic', () => {
  it('refuses metadata, link-local, private and credential-carrying URLs under the default policy', () => {
    for (const url of UNREACHABLE) expect(() => checkUrlAllowed(url, STRICT, 'configuration.endpoint'), url).toThrow(/configuration\.endpoint: /);
  });

  it('allow_loopback never opens link-local or metadata addresses', () => {
    for (const url of UNREACHABLE.filter((u) => !/10\.0\.0\.1|192\.168|172\.16/.test(u))) expect(() => checkUrlAllowed(url, EVERYTHING), url).toThrow();
    expect(() => checkUrlAllowed('https://10.0.0.1/mcp', LOOPBACK_OK)).toThrow(/private/);
    // allow_private opens private ranges (checked here only: never dialled).
    expect(checkUrlAllowed('https://10.0.0.1/mcp', EVERYTHING).hostname).toBe('10.0.0.1');
  });

  it('refuses at dial time when a name resolves to a forbidden address (DNS rebinding)', async () => {
    const resolveTo =
      (address: string, family: 4 | 6): Resolver =>
      async () => [{ address, family }];
    const lookup = (policy: NetworkPolicy, address: string, family: 4 | 6) =>
      new Promise<string>((resolve, reject) =>
        createGuardedLookup(policy, resolveTo(address, family))('rebind.example.com', { all: false }, (err, addr) => (err ? reject(err) : resolve(String(addr)))),
      );
    await expect(lookup(EVERYTHING, '169.254.169.254', 4)).rejects.toThrow(/link-local|metadata/);
    await expect(lookup(STRICT, '127.0.0.1', 4)).rejects.toThrow(/loopback/);
    await expect(lookup(STRICT, '::1', 6)).rejects.toThrow(/loopback/);
    await expect(lookup(STRICT, '::ffff:10.0.0.1', 6)).rejects.toThrow(/private/);
    await expect(lookup(LOOPBACK_OK, '127.0.0.1', 4)).resolves.toBe('127.0.0.1');
  });
});

/** Creates a custom MCP configuration and runs its health check; returns what the API said. */
async function probe(srv: { url: string; principals: { secret: string }[] }, endpoint: string) {
  const secret = srv.principals[0]!.secret;
  const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'probe', configuration: { endpoint } });
  if (created.status !== 201) return { refusedAt: 'create' as const, status: created.status, message: created.json?.error?.message ?? created.text };
  const tested = await api<ApiBody>(srv.url, secret, 'POST', `${CONFIGURATIONS}/${created.json!.id!}/test`);
  expect(tested.status, tested.text).toBe(200);
  return { refusedAt: tested.json?.health_status === 'unhealthy' ? ('discovery' as const) : undefined, status: tested.status, message: tested.json?.last_error ?? '' };
}

describe('SSRF through the built server (default policy)', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    srv = await startServer({ principals: 1 });
  });
  afterAll(async () => srv?.close());

  it('refuses every forbidden endpoint with a clear error, before any connection', async () => {
    for (const url of UNREACHABLE) {
      expect(() => checkUrlAllowed(url, STRICT)).toThrow(); // guard first: no traffic leaves this machine
      const r = await probe(srv, url);
      expect(r.refusedAt, `${url}: ${r.message}`).toBeDefined();
      expect(r.message, url).toMatch(/never allowed|not allowed|must not carry|must use https/);
    }
  });

  it('refuses loopback without allow_loopback: literals, localhost and other spellings', async () => {
    const canaries = [
      `http://127.0.0.1:${v4.port}/mcp`,
      `https://127.0.0.1:${v4.port}/mcp`,
      `https://localhost:${v4.port}/mcp`,
      `https://127.1:${v4.port}/mcp`,
      `https://2130706433:${v4.port}/mcp`,
      `https://[::ffff:127.0.0.1]:${v4.port}/mcp`,
      `https://0.0.0.0:${v4.port}/mcp`,
      `https://0:${v4.port}/mcp`,
      ...(v6 ? [`https://[::1]:${v6.port}/mcp`, `https://[::]:${v6.port}/mcp`] : []),
    ];
    for (const url of canaries) {
      const r = await probe(srv, url);
      expect(r.refusedAt, `${url}: ${r.message}`).toBeDefined();
      expect(r.message, url).toMatch(/loopback|never allowed|must use https/);
    }
    expect(v4.connections).toBe(0);
    expect(v6?.connections ?? 0).toBe(0);
  });
});

describe('SSRF through the built server with allow_loopback', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    srv = await startServer({ principals: 1, settings: { network: { allow_loopback: true } } });
  });
  afterAll(async () => srv?.close());

  it('lets loopback through, and still refuses 0.0.0.0, ::, link-local and metadata', async () => {
    for (const url of UNREACHABLE.filter((u) => !/10\.0\.0\.1|192\.168|172\.16/.test(u))) {
      expect(() => checkUrlAllowed(url, LOOPBACK_OK)).toThrow();
      expect((await probe(srv, url)).refusedAt, url).toBeDefined();
    }
    expect(() => checkUrlAllowed('https://10.0.0.1/mcp', LOOPBACK_OK)).toThrow();
    expect((await probe(srv, 'https://10.0.0.1/mcp')).message).toMatch(/private address/);
    for (const url of [`http://0.0.0.0:${v4.port}/mcp`, ...(v6 ? [`http://[::]:${v6.port}/mcp`] : [])]) {
      const r = await probe(srv, url);
      expect(r.refusedAt, url).toBeDefined();
      expect(r.message).toMatch(/never allowed/);
    }
    expect(v4.connections).toBe(0);
    expect(v6?.connections ?? 0).toBe(0);
    // Loopback itself is allowed now: the check reaches the trap (and fails there, as it should).
    const r = await probe(srv, `http://127.0.0.1:${v4.port}/mcp`);
    expect(r.refusedAt).toBe('discovery');
    expect(v4.connections).toBeGreaterThan(0);
  });

  it('does not follow an upstream redirect to a forbidden address', async () => {
    const before = v4.connections;
    const up = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/mcp`;
    for (const target of [`http://0.0.0.0:${v4.port}/mcp`, 'http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/', `http://127.0.0.1:${v4.port}/mcp`]) {
      redirectTo = target;
      const r = await probe(srv, up);
      expect(r.refusedAt, `redirect to ${target}: ${r.message}`).toBe('discovery');
    }
    expect(v4.connections).toBe(before);
  });
});
