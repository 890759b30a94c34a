import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk.ts';
import { cosineSimilarity, embed, idfWeights, tokenize, weighted } from './embed.ts';
import { detectFormat, extractText } from './text.ts';

describe('extractText', () => {
  it('strips HTML markup, scripts and styles, decodes entities and keeps the title', () => {
    const html = `<!doctype html><html><head><title>Tea &amp; Coffee</title><style>p{color:red}</style></head>
      <body><script>var x = "<p>hidden</p>";</script><h1>Brewing</h1><p>Water at 90&deg;C &mdash; steep&nbsp;3&#160;min.</p>
      <!-- comment --><ul><li>Green</li><li>Black</li></ul></body></html>`;
    expect(detectFormat('page.html', html)).toBe('html');
    const { title, text } = extractText(html, 'html');
    expect(title).toBe('Tea & Coffee');
    expect(text).not.toMatch(/hidden|color|comment|</);
    expect(text).toContain('Brewing\n');
    expect(text).toContain('steep 3 min.');
    expect(text).toMatch(/Green\n+Black/);
    expect(text).toContain('Water at 90°C — steep 3 min.');
  });

  it('strips markdown syntax but keeps link text, alt text and code', () => {
    const md =
      '# Guide\n\nSee [the docs](http://x.y) and ![a diagram](d.png).\n\n- **bold** item\n- `code` item\n\n```ts\nconst a = 1;\n```\n';
    expect(detectFormat('notes', md)).toBe('markdown');
    const { title, text } = extractText(md, 'markdown');
    expect(title).toBe('Guide');
    expect(text).toBe('Guide\n\nSee the docs and a diagram.\n\nbold item\ncode item\n\nconst a = 1;');
  });
});

describe('chunkText', () => {
  const text = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} is here.`).join(' ');

  it('keeps chunks within the size, covers every word and overlaps neighbours', () => {
    const chunks = chunkText(text, 120, 30);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(120);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1];
      const current = chunks[i];
      if (!previous || !current) throw new Error('missing chunk');
      expect(current.start).toBeLessThan(previous.end); // overlap
      expect(current.start).toBeGreaterThan(previous.start); // progress
    }
    const words = new Set(chunks.flatMap((c) => c.text.split(/\s+/)));
    for (const word of text.split(/\s+/)) expect(words.has(word)).toBe(true);
    // sentence ends are preferred as cut points
    expect(chunks.slice(0, -1).every((c) => c.text.endsWith('.'))).toBe(true);
  });

  it('rejects an overlap that would never advance', () => {
    expect(() => chunkText(text, 50, 50)).toThrow(RangeError);
  });
});

describe('hashing TF-IDF embeddings', () => {
  it('tokenizes with stop words removed and inflections folded', () => {
    expect(tokenize("The indexes were indexed while indexing the index's pages")).toEqual([
      'index',
      'index',
      'index',
      'index',
      'page',
    ]);
  });

  it('ranks the related passage above unrelated ones', () => {
    const passages = [
      'PostgreSQL stores rows in heap pages and uses write-ahead logging for durability.',
      'Sourdough bread needs a starter, flour, water and a long fermentation.',
      'Gradient descent trains neural networks by following the loss gradient.',
    ];
    const vectors = passages.map((p) => embed(p));
    const idf = idfWeights(vectors);
    const query = weighted(embed('how does postgres write ahead logging work'), idf);
    const scores = vectors.map((v) => cosineSimilarity(query, weighted(v, idf)));
    expect(scores[0]).toBeGreaterThan(Math.max(scores[1] ?? 0, scores[2] ?? 0));
    expect(cosineSimilarity(embed('same words here'), embed('same words here'))).toBeCloseTo(1, 6);
  });
});
