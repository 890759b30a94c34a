/**
 * Splits text into chunks of at most `size` characters that overlap by about `overlap`
 * characters, cutting at word boundaries and preferring paragraph or sentence ends in the last
 * third of a chunk, so passages stay readable and a phrase cut at one edge is whole in the next.
 */
export interface TextChunk {
  text: string;
  start: number;
  end: number;
}

export function chunkText(text: string, size: number, overlap: number): TextChunk[] {
  if (size < 1) throw new RangeError('chunk size must be at least 1');
  if (overlap < 0 || overlap >= size)
    throw new RangeError('overlap must be at least 0 and less than the chunk size');
  const words: Array<{ start: number; end: number }> = [];
  for (const match of text.matchAll(/\S+/g))
    words.push({ start: match.index, end: match.index + match[0].length });
  const chunks: TextChunk[] = [];
  let first = 0;
  while (first < words.length) {
    const startWord = words[first] as { start: number; end: number };
    let last = first;
    // take words while the chunk fits; a single over-long word is hard-cut below
    while (last + 1 < words.length && (words[last + 1]?.end ?? 0) - startWord.start <= size) last++;
    if (last + 1 < words.length) last = preferredCut(text, words, first, last, size);
    const lastWord = words[last] as { start: number; end: number };
    const end = Math.min(lastWord.end, startWord.start + size);
    chunks.push({ text: text.slice(startWord.start, end), start: startWord.start, end });
    if (last + 1 >= words.length) break;
    // the next chunk starts at the first word inside the overlap window, always moving forward
    let next = last + 1;
    while (next - 1 > first && (words[next - 1]?.start ?? 0) >= end - overlap) next--;
    first = next;
  }
  return chunks;
}

function preferredCut(
  text: string,
  words: ReadonlyArray<{ start: number; end: number }>,
  first: number,
  last: number,
  size: number,
): number {
  const chunkStart = words[first]?.start ?? 0;
  let sentenceCut = -1;
  for (let i = last; i > first; i--) {
    const word = words[i] as { start: number; end: number };
    if (word.end - chunkStart < (size * 2) / 3) break;
    const following = text.slice(word.end, words[i + 1]?.start ?? word.end);
    if (following.includes('\n\n')) return i; // paragraph end: best cut
    if (sentenceCut < 0 && /[.!?]["')\]]?$/.test(text.slice(word.start, word.end))) sentenceCut = i;
  }
  return sentenceCut >= 0 ? sentenceCut : last;
}
