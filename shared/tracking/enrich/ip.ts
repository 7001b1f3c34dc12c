/**
 * The one place tracking enrichment reads an IP address. API Gateway hands us `sourceIp` as text
 * (IPv4, IPv6, or IPv4-mapped IPv6 such as ::ffff:1.2.3.4 from dual-stack sockets); everything else
 * in this folder works on the parsed, unwrapped address so the two families behave the same.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Longer than any IPv6 text with a zone id: anything past this is garbage, not an address. */
const MAX_IP_TEXT = 64;

// Only global unicast IPv6 (2000::/3) is routed on the internet; ipaddr.js calls a few other
// blocks (e.g. the deprecated IPv4-compatible ::a.b.c.d) `unicast` too.
const globalUnicast6 = ipaddr.IPv6.parse('2000::');

/**
 * The address if it is one a person on the internet could send from, else undefined: never
 * throws. node:net's isIP is the strict gate (no `1`, `0x7f.1` or `01.2.3.4` forms that
 * ipaddr.js would accept); IPv4-mapped IPv6 is unwrapped to IPv4; loopback, private, link-local,
 * carrier-grade NAT, unique-local, documentation, multicast and reserved ranges are dropped
 * (a GeoIP answer for them would be noise, and they never come from a real recipient).
 */
export function parsePublicIp(text: string | undefined): IpAddress | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_IP_TEXT || isIP(trimmed) === 0) return undefined;
  try {
    const address = ipaddr.process(trimmed);
    if (address.range() !== 'unicast') return undefined;
    if (address.kind() === 'ipv6' && !(address as ipaddr.IPv6).match(globalUnicast6, 3)) return undefined;
    return address;
  } catch {
    return undefined;
  }
}

export type Cidr = readonly [IpAddress, number];

export function parseCidrs(list: readonly string[]): readonly Cidr[] {
  return list.map((text) => ipaddr.parseCIDR(text));
}

/** True when the address falls in one of the ranges of its own family. */
export function inRanges(address: IpAddress, ranges: readonly Cidr[]): boolean {
  return ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}
