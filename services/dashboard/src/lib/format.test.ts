import { describe, expect, it } from 'vitest';
import { formatDuration } from './format.ts';

describe('formatDuration', () => {
  it('says whole minutes without "0 s", and rounds up to the next minute rather than to "60 s"', () => {
    expect([0.25, 2.94, 42, 180, 200, 119.6, 3660].map(formatDuration)).toEqual([
      '250 ms',
      '2.9 s',
      '42 s',
      '3 min',
      '3 min 20 s',
      '2 min',
      '1 h 1 min',
    ]);
  });
});
