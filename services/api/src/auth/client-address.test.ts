import { describe, expect, test } from 'vitest';
import { addressGroupOf, clientAddressOf } from './client-address.ts';

describe('clientAddressOf', () => {
  const behind = (forwarded: string | undefined, hops: number) =>
    clientAddressOf(
      { remoteAddress: '10.0.0.5', headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } },
      hops,
    );

  test('the socket peer unless proxies are trusted', () => {
    expect(behind('203.0.113.7', 0)).toBe('10.0.0.5');
    expect(behind(undefined, 1)).toBe('10.0.0.5');
  });

  test('the entry the outermost trusted proxy added; what the client wrote left of it counts for nothing', () => {
    expect(behind('203.0.113.7', 1)).toBe('203.0.113.7');
    expect(behind('1.2.3.4, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(behind('1.2.3.4, 203.0.113.7, 10.0.0.9', 2)).toBe('203.0.113.7');
    expect(behind('203.0.113.7', 3)).toBe('203.0.113.7');
  });
});

describe('addressGroupOf', () => {
  test('IPv4 as it is, IPv4-mapped IPv6 as its IPv4', () => {
    expect(addressGroupOf('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroupOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroupOf('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  test('IPv6 by its /64, however it is written', () => {
    expect(addressGroupOf('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroupOf('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressGroupOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroupOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressGroupOf('::1')).toBe('0:0:0:0::/64');
  });

  test('anything else as it is', () => {
    expect(addressGroupOf('not an address')).toBe('not an address');
  });
});
