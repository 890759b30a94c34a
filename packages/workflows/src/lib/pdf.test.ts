import { describe, expect, it } from 'vitest';
import { extractPdfText } from './pdf.ts';
import { minimalPdf } from './pdf-fixture.ts';

describe('extractPdfText', () => {
  it('reads the text of every page and the title', async () => {
    const pdf = minimalPdf('Vacuum notes', [
      'Autovacuum removes dead tuples.',
      'Freezing prevents wraparound.',
    ]);
    const { title, text, pages } = await extractPdfText(pdf);
    expect(pages).toBe(2);
    expect(title).toBe('Vacuum notes');
    expect(text).toBe('Autovacuum removes dead tuples.\n\nFreezing prevents wraparound.');
  });

  it('rejects bytes that are not a PDF', async () => {
    await expect(extractPdfText(new TextEncoder().encode('hello'))).rejects.toThrow();
  });
});
