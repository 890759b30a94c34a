/**
 * PocketFlow's map-reduce: a BatchNode summarizes the chunks of each document, and a BatchGraph runs
 * that per-document graph once per params set ({ doc }); a last node reduces the summaries.
 */
import { BatchGraph, BatchNode, Graph, Node } from '@kaygraph/graph';
import { defineWorkflow } from '@kaygraph/workflows/authoring';
import { z } from 'zod';

interface MapReduceShared {
  documents?: Record<string, string>;
  summaries?: Record<string, string[]>;
  /** What each node saw as `this.params.note` when it started: params are per node and per set. */
  paramsSeen?: string[];
  result?: { summaries: Record<string, string[]>; total_words: number; params_seen: string[] };
}

class LoadDocuments extends Node<MapReduceShared> {
  readonly documents: Record<string, string>;

  constructor(documents: Record<string, string>) {
    super({ id: 'load', step: 'Load documents' });
    this.documents = documents;
  }

  override post(shared: MapReduceShared): void {
    shared.documents = this.documents;
    shared.summaries = {};
    shared.paramsSeen = [];
  }
}

/**
 * Map: one summary per chunk of the document named by `this.params.doc` (the BatchGraph's params set),
 * chunks of `this.params.chunk_words` (the graph's own params, as KayGraph's `flow.set_params`).
 */
class SummarizeChunks extends BatchNode<MapReduceShared, string, string> {
  override prep(shared: MapReduceShared): string[] {
    const doc = String(this.params.doc);
    const chunkWords = Number(this.params.chunk_words);
    shared.paramsSeen?.push(`${doc}:${String(this.params.note ?? '-')}`);
    // A write to this node's params must stay with this node and this set.
    this.params.note = `written while mapping ${doc}`;
    const words = (shared.documents?.[doc] ?? '').split(/\s+/).filter(Boolean);
    const chunks: string[] = [];
    for (let at = 0; at < words.length; at += chunkWords) {
      chunks.push(words.slice(at, at + chunkWords).join(' '));
    }
    return chunks;
  }

  override exec(chunk: string): string {
    const words = chunk.split(' ');
    return `${words.length} words from "${words[0]}"`;
  }

  override post(shared: MapReduceShared, _chunks: string[], summaries: string[]): void {
    shared.summaries = { ...shared.summaries, [String(this.params.doc)]: summaries };
  }
}

class NoteParams extends Node<MapReduceShared> {
  override prep(shared: MapReduceShared): void {
    shared.paramsSeen?.push(`${String(this.params.doc)}:${String(this.params.note ?? '-')}`);
  }
}

class PerDocument extends BatchGraph<MapReduceShared> {
  override prep(shared: MapReduceShared): Array<Record<string, unknown>> {
    return Object.keys(shared.documents ?? {}).map((doc) => ({ doc }));
  }
}

/** Reduce: totals over every document's summaries. */
class Reduce extends Node<MapReduceShared> {
  constructor() {
    super({ id: 'reduce', step: 'Reduce' });
  }

  override post(shared: MapReduceShared): void {
    const summaries = shared.summaries ?? {};
    const totalWords = Object.values(summaries)
      .flat()
      .reduce((sum, line) => sum + Number.parseInt(line, 10), 0);
    shared.result = { summaries, total_words: totalWords, params_seen: shared.paramsSeen ?? [] };
  }
}

export const mapReduce = defineWorkflow({
  name: 'port_map_reduce',
  description: 'Map-reduce over documents ported from PocketFlow: a BatchNode inside a BatchGraph.',
  params: z.strictObject({
    documents: z.record(z.string(), z.string()),
    chunk_words: z.number().int().min(1).default(3),
  }),
  result: z.object({
    summaries: z.record(z.string(), z.array(z.string())),
    total_words: z.number().int(),
    params_seen: z.array(z.string()),
  }),
  defaults: { max_retries: 0, timeout_seconds: 60 },
  graph: ({ documents, chunk_words }) => {
    const map = new SummarizeChunks({ id: 'summarize_chunks', maxRetries: 2 });
    map.next(new NoteParams({ id: 'note_params' }));
    const perDocument = new PerDocument(map, { id: 'per_document', step: 'Summarize documents' });
    const load = new LoadDocuments(documents);
    load.next(perDocument).next(new Reduce());
    const graph = new Graph<MapReduceShared>(load);
    graph.params = { chunk_words };
    return graph;
  },
});
