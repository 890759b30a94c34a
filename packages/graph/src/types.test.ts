import { describe, expect, it } from 'vitest';
import { BatchNode, Graph, Node, ParallelBatchNode } from './index.ts';

/** The store of one workflow. */
interface Article {
  url: string;
  html?: string;
  words?: string[];
  counts?: number[];
}

// Reusable nodes declare what they need of the store as a constraint and take the graph's store.
class Fetch<S extends { url: string; html?: string }> extends Node<S, string, string> {
  override prep(shared: S) {
    return shared.url;
  }
  override exec(url: string) {
    return `<p>${url} has words</p>`;
  }
  override post(shared: S, _url: string, html: string) {
    shared.html = html;
  }
}

class Split<S extends { html?: string; words?: string[] }> extends Node<S, string, string[]> {
  override prep(shared: S) {
    return shared.html ?? '';
  }
  override exec(html: string) {
    return html.replace(/<[^>]+>/g, '').split(' ');
  }
  override post(shared: S, _html: string, words: string[]) {
    shared.words = words;
  }
}

// A node written for one workflow simply uses its store type.
class Count extends BatchNode<Article, string, number> {
  override prep(shared: Article) {
    return shared.words ?? [];
  }
  override exec(word: string) {
    return word.length;
  }
  override post(shared: Article, _words: string[], counts: number[]) {
    shared.counts = counts;
  }
}

class Unrelated extends Node<{ invoice: number }, number, number> {}

describe('types', () => {
  it('composes nodes over one store type into a graph over that store', async () => {
    const fetch = new Fetch<Article>();
    fetch.next(new Split<Article>()).next(new Count()).next(new ParallelBatchNode<Article, string, string>());
    const graph: Graph<Article> = new Graph(fetch);
    const { shared } = await graph.run({ url: 'x.org' });
    expect(shared.counts).toEqual([5, 3, 5]);

    // @ts-expect-error a node over an unrelated store cannot join this graph
    fetch.on('other', new Unrelated());
    // @ts-expect-error the store passed to run must be the graph's store
    await expect(graph.run({ html: 'no url' })).resolves.toBeDefined();
  });
});
