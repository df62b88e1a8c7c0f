import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** What an address is, as far as the network policy cares. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'forbidden';

/** Refused whatever the settings: metadata services, link-local, "this network", multicast, reserved. */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4');
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('224.0.0.0', 4, 'ipv4');
FORBIDDEN.addSubnet('240.0.0.0', 4, 'ipv4');
// Alibaba Cloud's metadata service sits inside the carrier-grade NAT range.
FORBIDDEN.addAddress('100.100.100.200', 'ipv4');
FORBIDDEN.addAddress('::', 'ipv6');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addSubnet('ff00::', 8, 'ipv6');
// AWS's IPv6 metadata endpoint is inside fc00::/7, which allow_private would otherwise open.
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

/**
 * Expands an IPv6 literal into its eight 16-bit groups. BlockList does not treat an IPv4-mapped
 * address (::ffff:127.0.0.1, also spelled ::ffff:7f00:1) as the IPv4 address it carries, so the
 * mapping must be undone by hand before classifying.
 */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups, so one parser handles both spellings.
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (isIPv4(maybeV4)) {
    const o = maybeV4.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fixed = head.length + rest.length;
  if (halves.length === 1 && fixed !== 8) return undefined;
  if (fixed > 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - fixed).fill(0), ...rest];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), or the input unchanged. */
export function unwrapMappedIPv4(ip: string): string {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!isIPv6(bare)) return bare;
  const g = ipv6Groups(bare);
  if (!g) return bare;
  const mapped = g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
  if (!mapped) return bare;
  const hi = g[6] ?? 0;
  const lo = g[7] ?? 0;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/**
 * The IPv4 addresses an IPv6 address carries and that a router or a translator may end up
 * dialling: IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96
 * and the local-use 64:ff9b:1::/48, both placements), 6to4 (2002:AABB:CCDD::/16) and Teredo
 * (2001:0::/32: its server and its obfuscated client). Each is judged as that IPv4.
 */
function embeddedIPv4(g: number[]): string[] {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, l = 0] = g;
  const out: string[] = [];
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && (h !== 0 || l > 1)) out.push(v4(h, l));
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0xffff && f === 0) out.push(v4(h, l));
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) out.push(v4(h, l));
  if (a === 0x64 && b === 0xff9b && c === 1) {
    out.push(v4(h, l));
    // The /48 placement (RFC 6052: bits 48-63 and 72-87), when that is where the address was put.
    if (d !== 0 || (e & 0xff) !== 0 || f >> 8 !== 0) out.push(v4(d, ((e & 0xff) << 8) | (f >> 8)));
  }
  if (a === 0x2002) out.push(v4(b, c));
  if (a === 0x2001 && b === 0) out.push(v4(c, d), v4(h ^ 0xffff, l ^ 0xffff));
  return out;
}

const SEVERITY: Record<AddressClass, number> = { public: 0, private: 1, loopback: 2, forbidden: 3 };

function classifyPlain(addr: string, family: 'ipv4' | 'ipv6'): AddressClass {
  if (FORBIDDEN.check(addr, family)) return 'forbidden';
  if (LOOPBACK.check(addr, family)) return 'loopback';
  if (PRIVATE.check(addr, family)) return 'private';
  return 'public';
}

/**
 * Classifies an IP literal (v4, v6, bracketed v6, IPv4-mapped v6, and IPv6 forms that embed an
 * IPv4: the strictest of the address and what it embeds wins). Anything unparsable is forbidden.
 */
export function classifyAddress(ip: string): AddressClass {
  const addr = unwrapMappedIPv4(ip);
  const family = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
  if (!family) return 'forbidden';
  let cls = classifyPlain(addr, family);
  if (family === 'ipv6') {
    const g = ipv6Groups(addr);
    if (!g) return 'forbidden';
    // The local-use NAT64 prefix reaches the operator's own network whatever it embeds.
    if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1 && SEVERITY[cls] < SEVERITY.private) cls = 'private';
    for (const inner of embeddedIPv4(g)) {
      const c = classifyPlain(inner, 'ipv4');
      if (SEVERITY[c] > SEVERITY[cls]) cls = c;
    }
  }
  return cls;
}

/**
 * For an IPv6 address judged by an IPv4 it embeds (::a9fe:a9fe, 64:ff9b::10.0.0.1…), that IPv4, so a
 * refusal names what the address reaches; undefined when the IPv6 address decides by itself.
 */
export function decidingIPv4(ip: string): string | undefined {
  const addr = unwrapMappedIPv4(ip);
  if (!isIPv6(addr)) return undefined;
  const g = ipv6Groups(addr);
  if (!g) return undefined;
  const own = classifyPlain(addr, 'ipv6');
  let best: string | undefined;
  let severity = SEVERITY[own];
  for (const inner of embeddedIPv4(g)) {
    const c = SEVERITY[classifyPlain(inner, 'ipv4')];
    if (c > severity) [best, severity] = [inner, c];
  }
  return best;
}
