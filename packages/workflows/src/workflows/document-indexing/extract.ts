import { readFile } from 'node:fs/promises';
import { Node } from '@kaygraph/graph';
import { WorkflowInputError } from '../../errors.ts';
import { chunkText } from '../../lib/chunk.ts';
import { extractPdfText } from '../../lib/pdf.ts';
import { type DocumentFormat, detectFormat, extractText } from '../../lib/text.ts';
import { servicesOf, throwIfAborted, yieldToEventLoop } from '../../run-params.ts';
import { resolveDataFile } from '../../services/data-dir.ts';
import { type DocumentIndexingParams, INLINE_DOCUMENTS } from './params.ts';
import { type ExtractedDocument, type IndexingShared, required, STEP } from './state.ts';

/** Files read for indexing; larger ones are refused rather than slowly choking a worker. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Text one run may index: the passages travel through the (checkpointed) store. */
const MAX_TOTAL_CHARACTERS = 50_000_000;

interface Extracted {
  documents: ExtractedDocument[];
  texts: Record<string, string>;
}

export class ExtractText extends Node<IndexingShared, undefined, Extracted> {
  readonly config: DocumentIndexingParams;

  constructor(config: DocumentIndexingParams) {
    super({ id: 'extract', step: STEP.extract });
    this.config = config;
  }

  override async exec(): Promise<Extracted> {
    const { documents } = this.config;
    const extracted: Extracted = { documents: [], texts: {} };
    let totalCharacters = 0;
    for (const [i, document] of documents.entries()) {
      throwIfAborted(this.ctx.signal);
      const source = typeof document === 'string' ? await this.readDocument(document) : document;
      if (source.name in extracted.texts) {
        throw new WorkflowInputError('INVALID_PARAMS', `document "${source.name}" is listed twice`);
      }
      let format: string;
      let title: string | null;
      let text: string;
      if ('pdf' in source) {
        format = 'pdf';
        ({ title, text } = await extractPdfText(source.pdf).catch((error: Error) => {
          throw new WorkflowInputError(
            'INVALID_PARAMS',
            `"${source.name}" is not a readable PDF: ${error.message}`,
          );
        }));
      } else {
        const detected: DocumentFormat = source.format ?? detectFormat(source.name, source.content);
        format = detected;
        ({ title, text } = extractText(source.content, detected));
      }
      extracted.documents.push({ name: source.name, title, format, characters: text.length, chunks: 0 });
      extracted.texts[source.name] = text;
      await yieldToEventLoop(); // inline documents never wait on I/O: let a cancel message through
      totalCharacters += text.length;
      if (totalCharacters > MAX_TOTAL_CHARACTERS) {
        throw new WorkflowInputError(
          'INVALID_PARAMS',
          `the documents hold more than ${MAX_TOTAL_CHARACTERS} characters of text: index them in several tasks`,
        );
      }
      this.ctx.progress({
        step: STEP.extract,
        percent: ((i + 1) / documents.length) * 100,
        message: `${i + 1} of ${documents.length} documents: ${source.name} (${format}, ${text.length} characters)`,
      });
    }
    return extracted;
  }

  async readDocument(
    name: string,
  ): Promise<{ name: string; content: string; format?: DocumentFormat } | { name: string; pdf: Uint8Array }> {
    const extensions = ['.md', '.html', '.txt', '.pdf'];
    const path = await resolveDataFile(servicesOf(this).dataDir, name, extensions, INLINE_DOCUMENTS);
    const lower = path.toLowerCase();
    if (!/\.(txt|text|md|markdown|mdx|html?|xhtml|pdf)$/.test(lower)) {
      throw new WorkflowInputError(
        'INVALID_PARAMS',
        `"${name}": only text, markdown, HTML and PDF files can be indexed`,
      );
    }
    const bytes = await readFile(path, { signal: this.ctx.signal });
    if (bytes.length > MAX_FILE_BYTES) {
      throw new WorkflowInputError('INVALID_PARAMS', `"${name}" is larger than ${MAX_FILE_BYTES} bytes`);
    }
    if (lower.endsWith('.pdf')) return { name, pdf: new Uint8Array(bytes) };
    return { name, content: new TextDecoder('utf-8').decode(bytes) };
  }

  override post(shared: IndexingShared, _prep: undefined, extracted: Extracted): void {
    shared.documents = extracted.documents;
    shared.texts = extracted.texts;
  }
}

export class ChunkPassages extends Node<IndexingShared, IndexingShared, Record<string, string[]>> {
  readonly config: DocumentIndexingParams;

  constructor(config: DocumentIndexingParams) {
    super({ id: 'chunk', step: STEP.chunk });
    this.config = config;
  }

  override prep(shared: IndexingShared): IndexingShared {
    return shared;
  }

  override async exec(shared: IndexingShared): Promise<Record<string, string[]>> {
    const documents = required(shared.documents, 'documents');
    const texts = required(shared.texts, 'texts');
    const chunks: Record<string, string[]> = {};
    let total = 0;
    for (const [i, document] of documents.entries()) {
      await yieldToEventLoop();
      throwIfAborted(this.ctx.signal);
      chunks[document.name] = chunkText(
        texts[document.name] ?? '',
        this.config.chunk_size,
        this.config.overlap,
      ).map((chunk) => chunk.text);
      total += chunks[document.name]?.length ?? 0;
      this.ctx.progress({
        step: STEP.chunk,
        percent: ((i + 1) / documents.length) * 100,
        message: `${total} passages of up to ${this.config.chunk_size} characters (overlap ${this.config.overlap})`,
      });
    }
    return chunks;
  }

  override post(shared: IndexingShared, _prep: IndexingShared, chunks: Record<string, string[]>): void {
    shared.chunks = chunks;
    shared.documents = required(shared.documents, 'documents').map((d) => ({
      ...d,
      chunks: chunks[d.name]?.length ?? 0,
    }));
    shared.texts = undefined; // the passages carry the text from here on
  }
}
