/** The article text of content_review: a markdown draft built from the params, and its summary. */

export interface DraftInput {
  title: string;
  points: readonly string[];
  audience?: string | undefined;
}

const asSentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The first version: the title, the audience line, one paragraph per point. */
export function composeDraft(input: DraftInput): string {
  const lines = [`# ${input.title}`, ''];
  if (input.audience) lines.push(`_For ${input.audience}._`, '');
  for (const point of input.points) lines.push(asSentence(point), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The next version: the draft with the reviewer's note listed under "Revisions". */
export function reviseDraft(draft: string, version: number, note: string | null): string {
  const entry = `- Version ${version}: ${note ?? 'revised after a rejection without a note'}`;
  const body = draft.trimEnd();
  return body.includes('\n## Revisions\n') ? `${body}\n${entry}\n` : `${body}\n\n## Revisions\n\n${entry}\n`;
}

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have in is it its of on or that the this to was were will with'.split(
    ' ',
  ),
);

function terms(sentence: string): string[] {
  return (sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((term) => !STOP_WORDS.has(term));
}

/** The body's sentences: no title, no audience line, no revision list. */
function sentences(draft: string): string[] {
  const body = draft.split('\n## Revisions\n')[0] ?? '';
  const prose = body
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith('_For '))
    .join(' ');
  return prose.match(/[^.!?]+[.!?]+/g)?.map((sentence) => sentence.trim()) ?? [];
}

/**
 * An extractive summary: the `count` sentences whose terms are most frequent in the whole body
 * (per term, so long sentences do not win by length), in the order they appear.
 */
export function summarize(draft: string, count: number): string {
  const all = sentences(draft);
  const frequency = new Map<string, number>();
  for (const sentence of all)
    for (const term of terms(sentence)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const scored = all.map((sentence, index) => {
    const words = terms(sentence);
    const score =
      words.reduce((sum, term) => sum + (frequency.get(term) ?? 0), 0) / Math.max(words.length, 1);
    return { sentence, index, score };
  });
  const chosen = [...scored]
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index);
  return chosen.map((entry) => entry.sentence).join(' ');
}

export function countWords(draft: string): number {
  return draft.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}
