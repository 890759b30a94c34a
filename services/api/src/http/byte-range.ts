/** What a request's Range asks of a representation of some size (RFC 9110 §14): `end` is exclusive. */
export type RequestedRange =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^(\d*)-(\d*)$/;

/**
 * The one range of `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size` bytes. The whole representation
 * for anything else, as RFC 9110 lets a server ignore Range: no header, another unit, an invalid range,
 * several ranges (not worth a multipart answer), or an `If-Range` that is not this `etag` (an HTTP-date
 * never matches: the client's copy may be another version). Unsatisfiable: the range starts at or past
 * the end (any range of an empty one), or is a suffix of zero bytes.
 */
export function requestedRange(
  headers: { range?: string; ifRange?: string },
  size: number,
  etag: string,
): RequestedRange {
  const whole = { kind: 'whole' } as const;
  if (headers.range === undefined) return whole;
  if (headers.ifRange !== undefined && headers.ifRange.trim() !== etag) return whole;
  const set = /^bytes=(.*)$/i.exec(headers.range.trim())?.[1];
  if (set === undefined) return whole;
  const specs = set
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  const [first, last] = specs.length === 1 ? (SINGLE_RANGE.exec(specs[0] ?? '')?.slice(1) ?? []) : [];
  if (first === undefined || last === undefined || (first === '' && last === '')) return whole;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  // bytes=5-4 is invalid, not empty.
  if (last !== '' && Number(last) < start) return whole;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: last === '' ? size : Math.min(Number(last) + 1, size) };
}
