import { describe, expect, test } from 'vitest';
import { requestedRange } from './byte-range.ts';

const etag = '"7.20260101000000000000"';
const of = (range: string | undefined, size = 1000, ifRange?: string) =>
  requestedRange({ range, ifRange }, size, etag);

describe('requestedRange', () => {
  test('one range of each form, clamped to the size', () => {
    expect(of('bytes=0-99')).toEqual({ kind: 'part', start: 0, end: 100 });
    expect(of('bytes=990-')).toEqual({ kind: 'part', start: 990, end: 1000 });
    expect(of('bytes=-10')).toEqual({ kind: 'part', start: 990, end: 1000 });
    expect(of('bytes=-5000')).toEqual({ kind: 'part', start: 0, end: 1000 });
    expect(of('bytes=500-99999999999999999999')).toEqual({ kind: 'part', start: 500, end: 1000 });
    expect(of('BYTES=1-1')).toEqual({ kind: 'part', start: 1, end: 2 });
    expect(of(' bytes=1-2 ,')).toEqual({ kind: 'part', start: 1, end: 3 });
  });

  test('unsatisfiable: a start at or past the end, a zero suffix, any range of nothing', () => {
    expect(of('bytes=1000-')).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=1000-2000')).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=99999999999999999999-')).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  test('the whole: no Range, several ranges, an invalid one, another unit', () => {
    for (const range of [
      undefined,
      'bytes=0-1,3-4',
      'bytes=5-4',
      'bytes=-',
      'bytes=a-b',
      'bytes=',
      'items=0-1',
      '0-1',
    ])
      expect(of(range)).toEqual({ kind: 'whole' });
  });

  test('If-Range: the range only for this exact ETag', () => {
    expect(of('bytes=0-9', 1000, etag)).toEqual({ kind: 'part', start: 0, end: 10 });
    expect(of('bytes=0-9', 1000, '"another"')).toEqual({ kind: 'whole' });
    expect(of('bytes=0-9', 1000, `W/${etag}`)).toEqual({ kind: 'whole' });
    expect(of('bytes=0-9', 1000, 'Thu, 01 Jan 2026 00:00:00 GMT')).toEqual({ kind: 'whole' });
    expect(of('bytes=5000-', 1000, '"another"')).toEqual({ kind: 'whole' });
  });
});
