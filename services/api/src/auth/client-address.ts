import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { CallerSource } from '../context.ts';

/**
 * The IP address an `X-Forwarded-For` entry or a socket peer names, without the port or brackets some
 * proxies add (`203.0.113.7:51000`, `[2001:db8::1]:443`, `[2001:db8::1]`), or undefined when it names none.
 *
 * @example ipAddressOf('[2001:db8::1]:443') // '2001:db8::1'
 */
export function ipAddressOf(entry: string): string | undefined {
  const text = entry.trim();
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(text)?.[1];
  if (bracketed !== undefined) return isIPv6(bracketed) ? bracketed : undefined;
  const ipv4WithPort = /^([\d.]+):\d{1,5}$/.exec(text)?.[1];
  if (ipv4WithPort !== undefined) return isIPv4(ipv4WithPort) ? ipv4WithPort : undefined;
  return isIP(text) === 0 ? undefined : text;
}

/**
 * The address of the client a request comes from: the socket's peer, or, behind `trustedProxyHops`
 * proxies, the `X-Forwarded-For` entry the outermost of them added (entries further left are the
 * client's to write, so they count for nothing), without its port or brackets. An entry that names no IP
 * address counts as the proxy that wrote it (the entry right of it, or the socket's peer), so what a proxy
 * writes there can never make a new client. Undefined when the peer is unknown.
 *
 * @example clientAddressOf({ remoteAddress: '10.0.0.5', headers: { 'x-forwarded-for': '203.0.113.7:51000' } }, 1)
 * // '203.0.113.7'
 */
export function clientAddressOf(
  source: Pick<CallerSource, 'remoteAddress' | 'headers'>,
  trustedProxyHops: number,
): string | undefined {
  const peer = source.remoteAddress;
  if (peer === undefined) return undefined;
  const peerAddress = ipAddressOf(peer) ?? peer;
  if (trustedProxyHops <= 0) return peerAddress;
  const header = source.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const trusted = forwarded.slice(Math.max(0, forwarded.length - trustedProxyHops));
  // From the client's entry towards the socket: the first that names an address.
  for (const entry of trusted) {
    const address = ipAddressOf(entry);
    if (address !== undefined) return address;
  }
  return peerAddress;
}

/** Eight 16-bit groups of an IPv6 address (zone and embedded IPv4 tail included), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups =
    rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group)) ? groups : undefined;
}

/**
 * What limits count per client: an IPv4 address (IPv4-mapped IPv6 included) as it is, an IPv6 address by
 * its /64 network, which one host or home network gets whole (counting single addresses would let it
 * change address per request). Anything else as it is.
 */
export function addressGroupOf(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
