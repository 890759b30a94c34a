/**
 * Malformed values: wrong types, huge and tiny numbers, odd unicode, ids that are not ids. Each is meant to
 * be rejected wherever it lands in an otherwise well-formed request.
 */
import type { Random } from './random.ts';

const UNICODE = [
  '\u0000',
  '\uFFFF',
  '\uD800', // lone surrogate
  '💥🧨',
  'ﷺ'.repeat(50),
  'e\u0301'.repeat(20),
  '\u202Eevil',
  'Ω≈ç√∫˜µ≤≥÷',
  '𝕂𝕒𝕪𝔾𝕣𝕒𝕡𝕙',
  '\r\n\t',
];

export function badString(random: Random): string {
  switch (random.int(0, 7)) {
    case 0:
      return '';
    case 1:
      return 'x'.repeat(random.pick([201, 1_001, 70_000]));
    case 2:
      return random.pick(UNICODE);
    case 3:
      return "'; drop table tasks; --";
    case 4:
      return '../../etc/passwd';
    case 5:
      return '%00%ff%fe';
    case 6:
      return '{"nested": "json in a string"}';
    default:
      return random.pick(UNICODE).repeat(random.int(1, 300));
  }
}

export function badNumber(random: Random): number | string {
  return random.pick<number | string>([
    -1,
    -0.5,
    1.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    -(2 ** 31) - 1,
    '12',
    'NaN',
    'Infinity',
  ]);
}

/** Any JSON value of the wrong kind for whatever field receives it. */
export function wrongValue(random: Random, depth = 0): unknown {
  switch (random.int(0, depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return badNumber(random);
    case 3:
      return badString(random);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return Array.from({ length: random.int(1, 5) }, () => wrongValue(random, depth + 1));
    case 7:
      return { [badString(random).slice(0, 50)]: wrongValue(random, depth + 1) };
    default:
      // Deep nesting.
      return JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`);
  }
}

/** Strings in a task id's place that are not a task id (or are one nobody has). */
export function badId(random: Random): string {
  return random.pick([
    'not-a-uuid',
    '123',
    '00000000-0000-0000-0000-00000000000g',
    '00000000-0000-0000-0000-000000000000',
    crypto.randomUUID(),
    crypto.randomUUID().toUpperCase(),
    `${crypto.randomUUID()}x`,
    '%2e%2e%2f',
    encodeURIComponent('💥'),
    'a'.repeat(5000),
    '..',
    '%00',
    'null',
    'undefined',
  ]);
}
