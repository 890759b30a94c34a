import { stat } from 'node:fs/promises';
import { Node } from '@kaygraph/graph';
import { WorkflowInputError } from '../../errors.ts';
import { emptyAggregates } from '../../lib/aggregate.ts';
import { SALES_DERIVED, SALES_FIELDS, SALES_GROUP_BY } from '../../lib/datasets.ts';
import { type DerivedField, enrichedFields, validateDerived } from '../../lib/derive.ts';
import { readCsvRecords } from '../../lib/file-source.ts';
import { type FieldSpec, inferFields } from '../../lib/records.ts';
import { servicesOf } from '../../run-params.ts';
import { resolveDataFile } from '../../services/data-dir.ts';
import { type DataProcessingParams, INLINE_INPUT } from './params.ts';
import { loadJsonArray, readRows, type SourceInfo, startCursor } from './source.ts';
import { type DataShared, emptyCounts, STEP } from './state.ts';

const SAMPLE_ROWS = 1000;

/** The file types an input name may have (a name without one tries them in this order). */
export const INPUT_EXTENSIONS = ['.csv', '.tsv', '.jsonl', '.ndjson', '.json'];

interface Loaded {
  source: SourceInfo;
  fields: FieldSpec[];
  groupBy: string[];
  derived: DerivedField[];
}

/** Opens the source (streams never load whole), settles the schema and checks the params against it. */
export class LoadDataset extends Node<DataShared, undefined, Loaded> {
  readonly config: DataProcessingParams;

  constructor(config: DataProcessingParams) {
    super({ id: 'load', step: STEP.load });
    this.config = config;
  }

  override async exec(): Promise<Loaded> {
    this.ctx.progress({ step: STEP.load, percent: 0, message: 'opening the input' });
    const { input } = this.config;
    const source = await this.openSource();
    const generated = !Array.isArray(input) && typeof input === 'object';
    let fields = this.config.schema?.fields ?? (generated ? SALES_FIELDS : null);
    if (!fields) {
      const sample: unknown[] = [];
      for await (const row of readRows(source, startCursor(source), Array.isArray(input) ? input : null)) {
        if (row.ok) sample.push(row.value);
        if (sample.length >= SAMPLE_ROWS) break;
      }
      fields = inferFields(sample);
      if (fields.length === 0)
        throw new WorkflowInputError('INVALID_PARAMS', 'the input has no records with fields');
    }
    const derived = this.config.derive ?? (generated && !this.config.schema ? SALES_DERIVED : []);
    const groupBy = this.config.group_by ?? (generated && !this.config.schema ? SALES_GROUP_BY : []);
    const derivedProblem = validateDerived(fields, derived);
    if (derivedProblem) throw new WorkflowInputError('INVALID_PARAMS', derivedProblem);
    const known = new Set(enrichedFields(fields, derived).map((field) => field.name));
    const unknown = groupBy.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new WorkflowInputError(
        'INVALID_PARAMS',
        `group_by names fields the data does not have: ${unknown.join(', ')}`,
      );
    }
    this.ctx.progress({
      step: STEP.load,
      percent: 100,
      message: `${source.kind} input, ${fields.length} fields: ${fields.map((f) => `${f.name} (${f.type})`).join(', ')}`,
    });
    return { source, fields, groupBy, derived };
  }

  override post(shared: DataShared, _prep: undefined, loaded: Loaded): void {
    const enriched = enrichedFields(loaded.fields, loaded.derived);
    shared.source = loaded.source;
    shared.fields = loaded.fields;
    shared.enriched = enriched;
    shared.groupBy = loaded.groupBy;
    shared.derived = loaded.derived;
    shared.cursor = startCursor(loaded.source);
    shared.span = { start: shared.cursor.offset, end: null };
    shared.exhausted = false;
    shared.counts = emptyCounts();
    shared.aggregates = emptyAggregates(enriched);
  }

  async openSource(): Promise<SourceInfo> {
    const { input } = this.config;
    if (Array.isArray(input)) return { kind: 'inline', total: input.length };
    if (typeof input === 'object')
      return { kind: 'generate', total: input.generate.rows, seed: input.generate.seed };
    const path = await resolveDataFile(servicesOf(this).dataDir, input, INPUT_EXTENSIONS, INLINE_INPUT);
    const lower = path.toLowerCase();
    const size = (await stat(path)).size;
    if (lower.endsWith('.csv') || lower.endsWith('.tsv')) {
      const delimiter = lower.endsWith('.tsv') ? '\t' : ',';
      for await (const header of readCsvRecords(path, 0, delimiter)) {
        // a byte-order mark (Excel's UTF-8 export) is not part of the first column's name
        const names = header.fields.map((name, i) => (i === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
        if (names.some((name) => name === '') || new Set(names).size !== names.length) {
          throw new WorkflowInputError('INVALID_PARAMS', 'the CSV header must name every column once');
        }
        return {
          kind: 'csv',
          path,
          name: input,
          total: size,
          header: names,
          dataOffset: header.endOffset,
          delimiter,
        };
      }
      throw new WorkflowInputError('INVALID_PARAMS', `"${input}" is empty`);
    }
    if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson'))
      return { kind: 'jsonl', path, name: input, total: size };
    if (lower.endsWith('.json'))
      return { kind: 'json', path, name: input, total: (await loadJsonArray(path)).length };
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      `"${input}": only .csv, .json, .jsonl and .ndjson files can be processed`,
    );
  }
}
