import { describe, expect, test } from 'vitest';
import { isUnstorableText } from './common.ts';
import { LOG_TEXT_LIMIT, PROGRESS_TEXT_LIMIT, truncatedText, truncationMarker } from './report-text.ts';

describe('truncatedText', () => {
  test('keeps text that fits, and cuts longer text to the limit, ending in a marker naming its length', () => {
    expect(truncatedText('x'.repeat(PROGRESS_TEXT_LIMIT), PROGRESS_TEXT_LIMIT)).toBe(
      'x'.repeat(PROGRESS_TEXT_LIMIT),
    );
    const cut = truncatedText('x'.repeat(50_000_000), LOG_TEXT_LIMIT);
    expect(cut).toHaveLength(LOG_TEXT_LIMIT);
    expect(cut.endsWith('x… (truncated, 50000000 chars)')).toBe(true);
    expect(truncationMarker('N')).toBe('… (truncated, N chars)');
  });

  test('never cuts a character outside the BMP in half (PostgreSQL refuses a lone surrogate)', () => {
    // Text of 4-digit length, so the marker's length is known; the first emoji straddles the cut.
    const start = 'x'.repeat(PROGRESS_TEXT_LIMIT - truncationMarker(1000).length - 1);
    const text = `${start}${'😀'.repeat(500)}`;
    const cut = truncatedText(text, PROGRESS_TEXT_LIMIT);
    expect(isUnstorableText(cut)).toBe(false);
    expect(cut).toBe(`${start}${truncationMarker(text.length)}`);
  });
});
