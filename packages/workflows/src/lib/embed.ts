/**
 * Local text embeddings: hashed term-frequency vectors (the "hashing trick") over word unigrams
 * and bigrams, sublinear TF, signed hashing to cancel collisions, L2-normalised. Nothing is
 * downloaded. Inverse document frequencies are applied at search time from the indexed chunks
 * themselves (see `idfWeights`), so an index never needs a separate vocabulary table.
 */
export const EMBEDDING_DIMENSIONS = 512;

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can did do does for from had has have he her his how i if in into is it its ' +
    'me my no not of on or our she so than that the their them then there these they this those to too us was we ' +
    'were what when where which while who why will with would you your'
  ).split(' '),
);

/** Lower-cased word tokens without stop words, with a light English suffix folding. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)) {
    const word = match[0].replace(/['’]s$/, '');
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    tokens.push(stem(word));
  }
  return tokens;
}

/** Folds common inflections so "indexing", "indexes" and "indexed" meet "index". */
function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ing') && word.length >= 6) return word.slice(0, -3);
  if (word.endsWith('ed') && word.length >= 5) return word.slice(0, -2);
  if (/(s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}

/** FNV-1a 32-bit. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hashed features of a text: bucket -> signed weight (before normalisation). */
function features(text: string, dimensions: number): Map<number, number> {
  const tokens = tokenize(text);
  const counts = new Map<string, number>();
  const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
  tokens.forEach((token, i) => {
    add(token);
    const next = tokens[i + 1];
    if (next !== undefined) add(`${token} ${next}`);
  });
  const buckets = new Map<number, number>();
  for (const [term, count] of counts) {
    const h = hash(term);
    const bucket = h % dimensions;
    const sign = h >>> 31 === 1 ? -1 : 1;
    const weight = (1 + Math.log(count)) * (term.includes(' ') ? 0.5 : 1);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + sign * weight);
  }
  return buckets;
}

/** The embedding of a text: a dense, unit-length vector (all zeros for a text without terms). */
export function embed(text: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const [bucket, weight] of features(text, dimensions)) vector[bucket] = weight;
  return normalizeVector(vector);
}

export function normalizeVector(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return norm === 0 ? vector : vector.map((v) => v / norm);
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** Smoothed inverse document frequency per bucket, from the embeddings of an index's chunks. */
export function idfWeights(
  vectors: readonly (readonly number[])[],
  dimensions = EMBEDDING_DIMENSIONS,
): number[] {
  const documentFrequency = new Array<number>(dimensions).fill(0);
  for (const vector of vectors) {
    for (let d = 0; d < dimensions; d++)
      if ((vector[d] ?? 0) !== 0) documentFrequency[d] = (documentFrequency[d] ?? 0) + 1;
  }
  return idfFromFrequencies(documentFrequency, vectors.length);
}

/** The same weights from per-bucket document frequencies over `count` chunks. */
export function idfFromFrequencies(documentFrequency: readonly number[], count: number): number[] {
  return documentFrequency.map((df) => Math.log((1 + count) / (1 + df)) + 1);
}

export function weighted(vector: readonly number[], weights: readonly number[]): number[] {
  return vector.map((v, d) => v * (weights[d] ?? 1));
}
