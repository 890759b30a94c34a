import { describe, expect, it } from 'vitest';
import { formatDuration, formatRelative } from './format.ts';

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

describe('formatRelative', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('says how long ago or how soon within a day, either way', () => {
    expect(formatRelative('2026-12-07T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-12-07T13:30:00Z', now)).toBe('in 1 h 30 min');
  });

  it('counts days, then years, ahead beyond a day, never thousands of hours; the past is a time', () => {
    expect(formatRelative('2026-12-10T16:00:00Z', now)).toBe('in 3 d 4 h');
    expect(formatRelative('2026-12-09T12:00:00Z', now)).toBe('in 2 d');
    expect(formatRelative('2031-01-01T00:00:00Z', now)).toBe('in 4.1 years');
    expect(formatRelative('2026-11-01T08:00:00Z', now)).toBe('2026-11-01 08:00:00');
  });
});
