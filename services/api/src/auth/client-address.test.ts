import { describe, expect, test } from 'vitest';
import { addressGroupOf, clientAddressOf, ipAddressOf } from './client-address.ts';

describe('ipAddressOf', () => {
  test('an address without the port or brackets a proxy wrote around it', () => {
    expect(ipAddressOf('203.0.113.7')).toBe('203.0.113.7');
    expect(ipAddressOf('203.0.113.7:51000')).toBe('203.0.113.7');
    expect(ipAddressOf(' 203.0.113.7:1 ')).toBe('203.0.113.7');
    expect(ipAddressOf('2001:db8:1:2::1')).toBe('2001:db8:1:2::1');
    expect(ipAddressOf('[2001:db8:1:2::1]')).toBe('2001:db8:1:2::1');
    expect(ipAddressOf('[2001:db8:1:2::1]:443')).toBe('2001:db8:1:2::1');
    expect(ipAddressOf('[fe80::1%eth0]:443')).toBe('fe80::1%eth0');
    expect(ipAddressOf('::ffff:203.0.113.7')).toBe('::ffff:203.0.113.7');
    expect(ipAddressOf('[::ffff:203.0.113.7]:8080')).toBe('::ffff:203.0.113.7');
  });

  test('undefined for what names no address', () => {
    for (const entry of [
      '',
      'unknown',
      '_hidden',
      'example.com',
      'example.com:443',
      '203.0.113.7:',
      '203.0.113.7:port',
      '203.0.113.7:123456',
      '203.0.113.256',
      '203.0.113.7:80:80',
      '[203.0.113.7]:80',
      '[2001:db8::1',
      '[2001:db8::1]:',
      '[2001:db8::1]x',
      '[]',
      '2001:db8::1::2',
    ]) {
      expect(ipAddressOf(entry), entry).toBeUndefined();
    }
  });
});

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

  test("the entry's address, without the port or brackets", () => {
    expect(behind('203.0.113.7:51000', 1)).toBe('203.0.113.7');
    expect(behind('1.2.3.4, [2001:db8:1:2::1]:443', 1)).toBe('2001:db8:1:2::1');
    expect(behind('[2001:db8:1:2::1], 10.0.0.9:3128', 2)).toBe('2001:db8:1:2::1');
  });

  test('an entry that names no address counts as the proxy that wrote it', () => {
    expect(behind('unknown', 1)).toBe('10.0.0.5');
    expect(behind('203.0.113.7, unknown', 1)).toBe('10.0.0.5');
    expect(behind('203.0.113.7, unknown, 10.0.0.9', 2)).toBe('10.0.0.9');
    expect(behind('203.0.113.7, unknown, garbage', 2)).toBe('10.0.0.5');
  });

  test("the socket peer's IPv4-mapped address groups as its IPv4", () => {
    const mapped = clientAddressOf({ remoteAddress: '::ffff:10.0.0.5', headers: {} }, 0);
    expect(mapped && addressGroupOf(mapped)).toBe('10.0.0.5');
  });

  test('ports and brackets do not make new clients', () => {
    const groupBehind = (forwarded: string) => addressGroupOf(behind(forwarded, 1) ?? '');
    expect(groupBehind('203.0.113.7:51001')).toBe(groupBehind('203.0.113.7:51000'));
    expect(groupBehind('203.0.113.7:51001')).toBe('203.0.113.7');
    expect(groupBehind('[2001:db8:1:2::1]:443')).toBe('2001:db8:1:2::/64');
    expect(groupBehind('[2001:db8:1:2::9]')).toBe('2001:db8:1:2::/64');
    expect(groupBehind('[::ffff:203.0.113.7]:80')).toBe('203.0.113.7');
    expect(groupBehind('::ffff:203.0.113.7')).toBe('203.0.113.7');
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
