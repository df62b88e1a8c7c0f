import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError, ValidationError } from '../../../src/domain/errors.js';
import type { NetworkPolicy } from '../../../src/domain/network.js';
import { assertAddressAllowed, checkUrlAllowed, classifyAddress, createGuardedLookup, unwrapMappedIPv4, type Resolver } from '../../../src/http/network-guard.js';
import { staticCredentials } from '../../helpers/credentials.js';
import { json, startServer, testFactory } from './server.js';

const STRICT: NetworkPolicy = { allowLoopback: false, allowPrivate: false };
const LOOP: NetworkPolicy = { allowLoopback: true, allowPrivate: false };
const OPEN: NetworkPolicy = { allowLoopback: true, allowPrivate: true };

/** A resolver that knows a few names, so no test needs a real DNS server. */
const fakeDns: Resolver = async (hostname) => {
  const table: Record<string, { address: string; family: number }[]> = {
    'internal.example': [{ address: '10.0.0.5', family: 4 }],
    'mapped.example': [{ address: '::ffff:127.0.0.1', family: 6 }],
    'compatible.example': [{ address: '::a9fe:a9fe', family: 6 }],
    'mixed.example': [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ],
  };
  const hit = table[hostname];
  if (!hit) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return hit;
};

describe('address classification', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'forbidden'],
    ['169.254.1.1', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['fd00:ec2::254', 'forbidden'],
    ['0.0.0.0', 'forbidden'],
    ['0.1.2.3', 'forbidden'],
    ['224.0.0.1', 'forbidden'],
    ['ff02::1', 'forbidden'],
    ['::', 'forbidden'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'forbidden'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'private'],
    // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks), dotted and hex.
    ['[::127.0.0.1]', 'loopback'],
    ['[::7f00:1]', 'loopback'],
    ['[::10.0.0.1]', 'private'],
    ['[::a00:1]', 'private'],
    ['[::169.254.169.254]', 'forbidden'],
    ['[::a9fe:a9fe]', 'forbidden'],
    ['::8.8.8.8', 'public'],
    ['not-an-ip', 'forbidden'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it('classifies every IPv4-mapped spelling exactly like the IPv4 address it carries', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const o = v4.split('.').map(Number) as [number, number, number, number];
        const hex = `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
        const expected = classifyAddress(v4);
        expect(classifyAddress(`::ffff:${v4}`)).toBe(expected);
        expect(classifyAddress(`[::ffff:${hex}]`)).toBe(expected);
        expect(classifyAddress(`0:0:0:0:0:ffff:${hex}`)).toBe(expected);
      }),
    );
  });

  it('unwraps IPv4-mapped IPv6 in both spellings', () => {
    expect(unwrapMappedIPv4('::ffff:169.254.169.254')).toBe('169.254.169.254');
    expect(unwrapMappedIPv4('::FFFF:A9FE:A9FE')).toBe('169.254.169.254');
    expect(unwrapMappedIPv4('2001:db8::1')).toBe('2001:db8::1');
  });
});

describe('IPv6 forms that embed an IPv4 address are judged as that IPv4', () => {
  const hex = (ip: string) => {
    const o = ip.split('.').map(Number) as [number, number, number, number];
    return [((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16)];
  };
  const cases: [string, 'forbidden' | 'loopback' | 'private'][] = [
    ['169.254.169.254', 'forbidden'],
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['192.168.0.10', 'private'],
  ];
  it.each(cases)('%s (%s) in NAT64, 6to4, IPv4-compatible, IPv4-translated and Teredo spellings', (ip, cls) => {
    const [hi, lo] = hex(ip);
    const teredoClient = hex(ip).map((h) => (parseInt(h, 16) ^ 0xffff).toString(16));
    const spellings = [
      `64:ff9b::${ip}`,
      `64:ff9b::${hi}:${lo}`,
      `64:ff9b:1::${hi}:${lo}`,
      `2002:${hi}:${lo}::1`,
      `::${ip}`,
      `::ffff:0:${ip}`,
      `2001:0:${hi}:${lo}::f7f7:f7f7`, // server is the address, client 8.8.8.8
      `2001:0:4136:e378:8000:63bf:${teredoClient[0]}:${teredoClient[1]}`,
    ];
    for (const s of spellings) expect([s, classifyAddress(s)]).toEqual([s, cls]);
  });
  it('public IPv4 inside NAT64 or 6to4 stays public; the local-use NAT64 prefix is at least private', () => {
    expect(classifyAddress('64:ff9b::8.8.8.8')).toBe('public');
    expect(classifyAddress('2002:808:808::1')).toBe('public');
    expect(classifyAddress('64:ff9b:1::808:808')).toBe('private');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
  });
});

describe('checkUrlAllowed / assertAddressAllowed', () => {
  it('requires https except for loopback hosts when allowed', () => {
    expect(() => checkUrlAllowed('http://api.example.com/', OPEN, 'api_base_url')).toThrow(/^api_base_url: must use https/);
    expect(() => checkUrlAllowed('http://127.0.0.1:8080/', STRICT)).toThrow(/loopback address/);
    expect(checkUrlAllowed('http://127.0.0.1:8080/x', LOOP).pathname).toBe('/x');
    expect(checkUrlAllowed('http://localhost:8080/', LOOP).hostname).toBe('localhost');
    expect(checkUrlAllowed('https://api.github.com/', STRICT).hostname).toBe('api.github.com');
    expect(() => checkUrlAllowed('ftp://example.com/', OPEN)).toThrow(/must use https/);
    expect(() => checkUrlAllowed('not a url', OPEN)).toThrow(/absolute http\(s\) URL/);
    expect(() => checkUrlAllowed('https://user:pw@example.com/', OPEN)).toThrow(/user name or password/);
  });

  it('always refuses metadata and link-local addresses, whatever the policy', () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'https://169.254.169.254/', 'https://[fd00:ec2::254]/', 'https://[fe80::1]/', 'https://metadata.google.internal/', 'https://[::ffff:169.254.169.254]/']) {
      expect(() => checkUrlAllowed(url, OPEN), url).toThrow(ValidationError);
    }
  });

  it('gates loopback and private literals, IPv4-mapped ones included', () => {
    expect(() => checkUrlAllowed('https://[::ffff:127.0.0.1]/', STRICT)).toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(checkUrlAllowed('https://[::ffff:127.0.0.1]/', LOOP)).toBeInstanceOf(URL);
    expect(() => checkUrlAllowed('https://10.0.0.1/', LOOP)).toThrow(/private address/);
    expect(checkUrlAllowed('https://10.0.0.1/', OPEN)).toBeInstanceOf(URL);
    expect(() => assertAddressAllowed('192.168.0.10', STRICT, 'nas.lan')).toThrow(/nas\.lan \(192\.168\.0\.10\) is a private address/);
  });

  it('refuses IPv4-compatible IPv6 hosts (::a.b.c.d and its hex spelling) as the IPv4 they carry', () => {
    // The URL parser rewrites [::127.0.0.1] as [::7f00:1]: both spellings reach the classifier.
    for (const url of ['https://[::169.254.169.254]/latest/meta-data', 'https://[::a9fe:a9fe]/', 'http://[::a9fe:a9fe]:80/computeMetadata/v1/']) {
      expect(() => checkUrlAllowed(url, OPEN), url).toThrow(/::a9fe:a9fe \(169\.254\.169\.254\) is a link-local/);
    }
    expect(() => checkUrlAllowed('https://[::127.0.0.1]/', STRICT)).toThrow(/::7f00:1 \(127\.0\.0\.1\) is a loopback address/);
    expect(() => checkUrlAllowed('https://[::7f00:1]/', STRICT)).toThrow(/\(127\.0\.0\.1\) is a loopback address/);
    expect(() => checkUrlAllowed('https://[::10.0.0.1]/', LOOP)).toThrow(/::a00:1 \(10\.0\.0\.1\) is a private address/);
    expect(() => checkUrlAllowed('https://[::a00:1]/', LOOP)).toThrow(/\(10\.0\.0\.1\) is a private address/);
    expect(() => assertAddressAllowed('::a9fe:a9fe', OPEN, 'compat.example')).toThrow(/compat\.example \(::a9fe:a9fe \(169\.254\.169\.254\)\) is a link-local/);
    expect(checkUrlAllowed('https://[::8.8.8.8]/', STRICT)).toBeInstanceOf(URL);
  });

  it('checks every address a name resolves to', async () => {
    const lookupErr = (policy: NetworkPolicy, host: string) =>
      new Promise<unknown>((resolve) => createGuardedLookup(policy, fakeDns)(host, { all: true }, (err) => resolve(err)));
    expect(await lookupErr(STRICT, 'internal.example')).toMatchObject({ message: expect.stringMatching(/internal\.example \(10\.0\.0\.5\) is a private address/) });
    expect(await lookupErr(OPEN, 'internal.example')).toBeNull();
    expect(await lookupErr(STRICT, 'mapped.example')).toMatchObject({ message: expect.stringMatching(/127\.0\.0\.1\) is a loopback/) });
    expect(await lookupErr(OPEN, 'mixed.example')).toMatchObject({ message: expect.stringMatching(/169\.254\.169\.254\) is a link-local/) });
    expect(await lookupErr(OPEN, 'compatible.example')).toMatchObject({ message: expect.stringMatching(/compatible\.example \(::a9fe:a9fe \(169\.254\.169\.254\)\) is a link-local/) });
  });
});

describe('HttpClient: network policy at dial time', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function failure(p: Promise<unknown>): Promise<UpstreamError> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }

  it('refuses a base URL that breaks the rules when the client is created', async () => {
    const factory = testFactory();
    cleanups.push(() => factory.close());
    expect(() => factory.create({ baseUrl: 'http://127.0.0.1:1/', network: STRICT, serviceName: 'S' })).toThrow(/api_base_url: .*loopback/);
    expect(() => factory.create({ baseUrl: 'https://169.254.169.254/', network: OPEN, serviceName: 'S' })).toThrow(/never allowed/);
  });

  it('refuses a host name that resolves to loopback unless loopback is allowed', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    const factory = testFactory();
    cleanups.push(() => factory.close(), () => server.close());
    // https passes the scheme rule; the resolved address (127.0.0.1 or ::1) is what gets refused.
    const http = factory.create({ baseUrl: `https://localhost:${server.port}/`, network: STRICT, serviceName: 'S' });
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/refused to connect .*localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
    expect(server.seen).toHaveLength(0);
  });

  it('refuses a name that resolves to a private address, and an IPv4-mapped loopback answer', async () => {
    const factory = testFactory({ resolver: fakeDns });
    cleanups.push(() => factory.close());
    for (const host of ['internal.example', 'mapped.example']) {
      const http = factory.create({ baseUrl: `https://${host}/`, network: STRICT, serviceName: 'S' });
      const err = await failure(http.request({ method: 'GET', path: '/x' }));
      expect(err.kind).toBe('network');
      expect(err.message).toMatch(/is a (private|loopback) address/);
    }
  });

  it('refuses a redirect to a metadata address or a refused name, and does not follow it', async () => {
    const server = await startServer((req, res) => {
      const target = req.url === '/to-metadata' ? 'http://169.254.169.254/latest/meta-data/' : 'https://internal.example/admin';
      res.writeHead(302, { location: target });
      res.end();
    });
    const factory = testFactory({ resolver: fakeDns });
    cleanups.push(() => factory.close(), () => server.close());
    const http = factory.create({ baseUrl: server.origin, network: LOOP, serviceName: 'S' });
    const meta = await failure(http.request({ method: 'GET', path: '/to-metadata' }));
    expect(meta.kind).toBe('network');
    expect(meta.message).toMatch(/redirect: 169\.254\.169\.254 is a link-local, metadata/);
    const internal = await failure(http.request({ method: 'GET', path: '/to-internal' }));
    expect(internal.message).toMatch(/internal\.example \(10\.0\.0\.5\) is a private address/);
    expect(server.seen).toHaveLength(2);
  });

  it('follows an allowed redirect and drops credentials when it leaves the origin', async () => {
    const target = await startServer((req, res) => json(res, 200, { auth: req.headers.authorization ?? null }));
    const origin = await startServer((_req, res) => {
      res.writeHead(301, { location: `http://localhost:${target.port}/moved` });
      res.end();
    });
    const factory = testFactory();
    cleanups.push(() => factory.close(), () => origin.close(), () => target.close());
    const http = factory.create({
      baseUrl: origin.origin,
      network: LOOP,
      serviceName: 'S',
      auth: { source: staticCredentials({ type: 'bearer', token: 'secret-token' }), apply: () => ({ Authorization: 'Bearer secret-token' }) },
    });
    const res = await http.request<{ auth: string | null }>({ method: 'GET', path: '/old' });
    expect(res.data.auth).toBeNull();
    expect(res.url).toBe(`http://localhost:${target.port}/moved`);
    expect(origin.seen[0]!.headers.authorization).toBe('Bearer secret-token');
  });
});
