/**
 * A user's own workflow next to the built-ins. Point the service at this module:
 *
 *   WORKFLOWS_MODULE=$PWD/examples/custom-workflow/workflows.ts npm start
 *
 * and submit `{ "workflow": "word_frequency", "params": { "text": "...", "top": 3 } }`.
 */
import { Graph, Node } from '@kaygraph/graph';
import { defineWorkflow } from '@kaygraph/workflows/authoring';
import { catalog as builtins } from '@kaygraph/workflows/catalog';
import { z } from 'zod';

interface Shared {
  words?: string[];
  result?: { words: number; top: Array<{ word: string; count: number }> };
}

class SplitWords extends Node<Shared, string, string[]> {
  readonly text: string;

  constructor(text: string) {
    super({ id: 'split' });
    this.text = text;
  }

  override prep(): string {
    return this.text;
  }

  override exec(text: string): string[] {
    this.ctx.progress({ step: 'Split into words' });
    return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  }

  override post(shared: Shared, _text: string, words: string[]): void {
    shared.words = words;
  }
}

class CountWords extends Node<Shared, string[], Array<{ word: string; count: number }>> {
  readonly top: number;

  constructor(top: number) {
    super({ id: 'count' });
    this.top = top;
  }

  override prep(shared: Shared): string[] {
    return shared.words ?? [];
  }

  override exec(words: string[]) {
    this.ctx.progress({ step: 'Count words' });
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, this.top)
      .map(([word, count]) => ({ word, count }));
  }

  override post(shared: Shared, words: string[], top: Array<{ word: string; count: number }>): void {
    shared.result = { words: words.length, top };
  }
}

export const wordFrequency = defineWorkflow({
  name: 'word_frequency',
  description: 'Counts the words of a text and returns the most frequent ones.',
  params: z.strictObject({ text: z.string().min(1), top: z.number().int().min(1).max(100).default(10) }),
  result: z.object({
    words: z.number().int(),
    top: z.array(z.object({ word: z.string(), count: z.number().int() })),
  }),
  defaults: { max_retries: 1, timeout_seconds: 60 },
  graph: ({ text, top }) => {
    const split = new SplitWords(text);
    split.next(new CountWords(top));
    return new Graph<Shared>(split);
  },
});

/** The built-ins plus ours: what the worker and the API load. */
export const catalog = builtins.with(wordFrequency);
/** For a typed client: `WorkflowParams<Workflows, 'word_frequency'>`. */
export type Workflows = typeof catalog.workflows;
export { createServices } from '@kaygraph/workflows/catalog';
