import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import type { ExtractedText } from './text.ts';
import { normalizeWhitespace } from './text.ts';

/**
 * Text of a PDF (all pages, in order) and its title from the document info, with the PDF.js build
 * that ships inside `unpdf` (pure JavaScript; nothing is downloaded).
 */
export async function extractPdfText(bytes: Uint8Array): Promise<ExtractedText & { pages: number }> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  try {
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const meta = await getMeta(pdf).catch(() => null);
    const title: unknown = meta?.info?.Title;
    return {
      title: typeof title === 'string' && title.trim() !== '' ? title.trim() : null,
      // pages become paragraphs, the chunker's preferred cut points
      text: normalizeWhitespace(text.map((page) => page.trim()).join('\n\n')),
      pages: totalPages,
    };
  } finally {
    await pdf.cleanup();
  }
}
