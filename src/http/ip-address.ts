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

/** Classifies an IP literal (v4, v6, bracketed v6, IPv4-mapped v6). Anything unparsable is forbidden. */
export function classifyAddress(ip: string): AddressClass {
  const addr = unwrapMappedIPv4(ip);
  const family = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
  if (!family) return 'forbidden';
  if (FORBIDDEN.check(addr, family)) return 'forbidden';
  if (LOOPBACK.check(addr, family)) return 'loopback';
  if (PRIVATE.check(addr, family)) return 'private';
  return 'public';
}
