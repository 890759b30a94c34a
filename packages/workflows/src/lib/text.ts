/** Plain text out of text, markdown or HTML documents, for chunking and indexing. */
export type DocumentFormat = 'text' | 'markdown' | 'html';

export function detectFormat(name: string, content: string): DocumentFormat {
  const lower = name.toLowerCase();
  if (/\.(html?|xhtml)$/.test(lower)) return 'html';
  if (/\.(md|markdown|mdx)$/.test(lower)) return 'markdown';
  if (/\.txt$/.test(lower)) return 'text';
  const head = content.trimStart().slice(0, 500).toLowerCase();
  if (
    head.startsWith('<!doctype html') ||
    head.startsWith('<html') ||
    /<(p|div|body|h[1-6])[\s>]/.test(head)
  ) {
    return 'html';
  }
  if (/^#{1,6} \S/m.test(content) || /\[[^\]]+\]\([^)]+\)/.test(content) || /^```/m.test(content))
    return 'markdown';
  return 'text';
}

export interface ExtractedText {
  title: string | null;
  text: string;
}

export function extractText(content: string, format: DocumentFormat): ExtractedText {
  switch (format) {
    case 'html':
      return extractHtml(content);
    case 'markdown':
      return extractMarkdown(content);
    case 'text':
      return { title: null, text: normalizeWhitespace(content) };
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  copy: '©',
  reg: '®',
  trade: '™',
  laquo: '«',
  raquo: '»',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  euro: '€',
  pound: '£',
  deg: '°',
  times: '×',
  middot: '·',
  bull: '•',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number(entity.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

const BLOCK_TAGS =
  /<\/?(p|div|br|hr|h[1-6]|li|ul|ol|tr|td|th|table|section|article|header|footer|nav|aside|blockquote|pre|dd|dt|dl|main|figure|figcaption)\b[^>]*>/gi;

function extractHtml(html: string): ExtractedText {
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const title = titleMatch?.[1]
    ? normalizeWhitespace(decodeEntities(titleMatch[1].replace(/<[^>]+>/g, '')))
    : null;
  const text = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template|svg|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(BLOCK_TAGS, '\n')
    .replace(/<[^>]+>/g, '');
  return { title: title || null, text: normalizeWhitespace(decodeEntities(text)) };
}

function extractMarkdown(markdown: string): ExtractedText {
  const heading = /^#\s+(.+)$/m.exec(markdown);
  const text = markdown
    .replace(/^(```|~~~).*$/gm, '') // fences go, code stays: it is searchable content
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: keep alt text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links: keep the text
    .replace(/^\[[^\]]+\]:\s*\S+.*$/gm, '') // reference definitions
    .replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, '') // heading markers
    .replace(/^[ \t]{0,3}>[ \t]?/gm, '') // blockquotes
    .replace(/^[ \t]*([-*+]|\d+[.)])[ \t]+/gm, '') // list markers
    .replace(/^[ \t]*([-*_][ \t]*){3,}$/gm, '') // horizontal rules
    .replace(/^[ \t]*\|?([ \t]*:?-+:?[ \t]*\|)+[ \t]*:?-*:?[ \t]*$/gm, '') // table separator rows
    .replace(/\|/g, ' ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(\*|_)(\S.*?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/<[^>]+>/g, '');
  return { title: heading?.[1]?.trim() ?? null, text: normalizeWhitespace(decodeEntities(text)) };
}

/** Collapses runs of spaces, keeps paragraph breaks (blank lines) as the chunker's preferred cut points. */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
