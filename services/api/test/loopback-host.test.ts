import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../src/auth/open-mode.ts';

describe('a loopback HOST (open mode may serve anonymously only there)', () => {
  it('is a loopback address or localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1'])
      expect(isLoopbackHost(host)).toBe(true);
  });

  it('is never a DNS name that merely starts with 127.', () => {
    for (const host of ['127.example.com', '0.0.0.0', '10.0.0.5', 'api.internal'])
      expect(isLoopbackHost(host)).toBe(false);
  });
});
