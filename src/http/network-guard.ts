import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { ValidationError } from '../domain/errors.js';
import type { NetworkPolicy } from '../domain/network.js';
import { classifyAddress, decidingIPv4, unwrapMappedIPv4 } from './ip-address.js';

export { classifyAddress, unwrapMappedIPv4 } from './ip-address.js';

/** Names that reach a cloud metadata service whatever they resolve to. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** Error code carried by every refusal, so callers can tell a policy refusal from a network failure. */
export const NETWORK_POLICY_CODE = 'network_policy';

/** Refusals name the field when there is one ("api_base_url: must use https"). */
function refuse(message: string, param: string | undefined): ValidationError {
  return new ValidationError(param ? `${param}: ${message}` : message, param, NETWORK_POLICY_CODE);
}

/**
 * Throws when the policy forbids connecting to `ip` (any spelling: IPv4-mapped IPv6 unwrapped, an
 * IPv6 form that embeds an IPv4 judged as that IPv4).
 * `host` only improves the message ("api.example.com resolved to 10.0.0.1").
 */
export function assertAddressAllowed(ip: string, policy: NetworkPolicy, host?: string, param?: string): void {
  const cls = classifyAddress(ip);
  const carried = decidingIPv4(ip);
  // An IPv6 form judged by the IPv4 it embeds names that IPv4 too: it is what would be reached.
  const shown = carried ? `${unwrapMappedIPv4(ip)} (${carried})` : unwrapMappedIPv4(ip);
  const what = host && host !== shown ? `${host} (${shown})` : shown;
  if (cls === 'forbidden') {
    throw refuse(`${what} is a link-local, metadata, multicast or reserved address, which is never allowed`, param);
  }
  if (cls === 'loopback' && !policy.allowLoopback) {
    throw refuse(`${what} is a loopback address, which is not allowed (to reach local servers, run: connector-gateway settings set allow_loopback true)`, param);
  }
  if (cls === 'private' && !policy.allowPrivate) {
    throw refuse(`${what} is a private address, which is not allowed (to reach internal servers, run: connector-gateway settings set allow_private true)`, param);
  }
}

function normaliseHost(hostname: string): string {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * The synchronous half of the guard: scheme, credentials in the URL, metadata names and IP
 * literals. Hostnames are checked again when they are resolved (see `createGuardedLookup`),
 * because only the address actually dialled counts. Returns the parsed URL.
 */
export function checkUrlAllowed(url: string | URL, policy: NetworkPolicy, param = 'url'): URL {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw refuse('must be an absolute http(s) URL', param);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw refuse(`must use https (got ${u.protocol.replace(/:$/, '')})`, param);
  if (u.username || u.password) throw refuse('must not carry a user name or password; use credentials instead', param);
  const host = normaliseHost(u.hostname);
  if (METADATA_HOSTS.has(host)) throw refuse(`${host} is a cloud metadata host, which is never allowed`, param);
  const literal = isIP(host) !== 0;
  if (literal) assertAddressAllowed(host, policy, undefined, param);
  if (u.protocol === 'http:') {
    // Plain http only for loopback servers (local tools, tests): anything else must be https.
    const loopbackName = host === 'localhost' || host.endsWith('.localhost');
    const loopbackLiteral = literal && classifyAddress(host) === 'loopback';
    if (!(loopbackName || loopbackLiteral)) throw refuse('must use https (plain http is accepted only for loopback hosts, with allow_loopback)', param);
    if (!policy.allowLoopback) throw refuse('must use https: plain http to a loopback host is accepted only with allow_loopback (to reach local servers, run: connector-gateway settings set allow_loopback true)', param);
  }
  return u;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Options node:net passes to a custom lookup: `all` is set when it races address families. */
export type GuardedLookupOptions = (LookupOneOptions | LookupAllOptions) & { all?: boolean };

/** Resolves a host name to all its addresses; the system resolver by default, a fake in tests. */
export type Resolver = (hostname: string, family: number | undefined) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family: family ?? 0 }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * A `lookup` for net/tls connect options (undici's `connect.lookup`): resolves, then refuses the
 * connection if any address is forbidden. Checking at dial time is what defeats DNS rebinding and
 * redirects to internal names; refusing on any bad address (instead of filtering) keeps a
 * half-poisoned answer from succeeding by chance.
 */
export function createGuardedLookup(policy: NetworkPolicy, resolver: Resolver = systemResolver) {
  return function guardedLookup(hostname: string, options: GuardedLookupOptions, callback: LookupCallback): void {
    const host = normaliseHost(hostname);
    const family = typeof options.family === 'number' ? options.family : undefined;
    const check = async (): Promise<LookupAddress[]> => {
      if (METADATA_HOSTS.has(host)) throw refuse(`${host} is a cloud metadata host, which is never allowed`, undefined);
      const addresses = await resolver(hostname, family);
      if (addresses.length === 0) throw Object.assign(new Error(`could not resolve ${host}`), { code: 'ENOTFOUND', hostname: host });
      for (const a of addresses) assertAddressAllowed(a.address, policy, host);
      return addresses;
    };
    check().then(
      (addresses) => {
        const first = addresses[0] as LookupAddress;
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

/** True when `e` is a refusal by this guard (possibly wrapped by undici or node:net). */
export function isPolicyRefusal(e: unknown): e is ValidationError {
  return e instanceof ValidationError && e.code === NETWORK_POLICY_CODE;
}
