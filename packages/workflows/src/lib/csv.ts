/**
 * A streaming CSV parser (RFC 4180: quoted fields, doubled quotes, embedded newlines, CRLF) that
 * works on bytes, so every record carries the byte offset where it ends. A load step can stop
 * after any record and a resumed run can reopen the file at exactly that offset.
 */
export interface CsvRecord {
  fields: string[];
  /** Byte offset in the file just after this record (where the next one starts). */
  endOffset: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export class CsvParser {
  #carry: Uint8Array = new Uint8Array(0);
  #carryOffset: number;
  readonly #delimiter: number;
  readonly #decoder = new TextDecoder('utf-8');

  /** @param startOffset byte offset of the first byte that will be pushed */
  constructor(options: { delimiter?: string; startOffset?: number } = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f) {
      throw new RangeError('the CSV delimiter must be a single ASCII character');
    }
    this.#delimiter = delimiter.charCodeAt(0);
    this.#carryOffset = options.startOffset ?? 0;
  }

  /** Feeds the next bytes; returns the records they complete (blank lines are skipped). */
  push(chunk: Uint8Array): CsvRecord[] {
    const buffer = this.#carry.length === 0 ? chunk : concat(this.#carry, chunk);
    const { records, consumed } = this.#scan(buffer, false);
    this.#carry = buffer.slice(consumed);
    this.#carryOffset += consumed;
    return records;
  }

  /** Flushes a last record that has no trailing newline. */
  end(): CsvRecord[] {
    const { records, consumed } = this.#scan(this.#carry, true);
    this.#carryOffset += consumed;
    this.#carry = new Uint8Array(0);
    return records;
  }

  #scan(buffer: Uint8Array, final: boolean): { records: CsvRecord[]; consumed: number } {
    const records: CsvRecord[] = [];
    let recordStart = 0;
    let i = 0;
    let fieldStart = 0;
    let inQuotes = false;
    let quoted = false;
    let ranges: Array<[number, number, boolean]> = [];
    while (i < buffer.length) {
      const byte = buffer[i];
      if (inQuotes) {
        if (byte === QUOTE) {
          if (buffer[i + 1] === QUOTE) {
            i += 2;
            continue;
          }
          if (i + 1 >= buffer.length && !final) break; // cannot tell "" from " yet
          inQuotes = false;
        }
        i++;
        continue;
      }
      if (byte === QUOTE && i === fieldStart) {
        inQuotes = true;
        quoted = true;
        i++;
      } else if (byte === this.#delimiter) {
        ranges.push([fieldStart, i, quoted]);
        fieldStart = i + 1;
        quoted = false;
        i++;
      } else if (byte === LF) {
        const end = i > fieldStart && buffer[i - 1] === CR ? i - 1 : i;
        ranges.push([fieldStart, end, quoted]);
        this.#emit(records, buffer, ranges, this.#carryOffset + i + 1);
        i++;
        recordStart = i;
        fieldStart = i;
        quoted = false;
        ranges = [];
      } else {
        i++;
      }
    }
    if (final && recordStart < buffer.length) {
      const end = buffer[buffer.length - 1] === CR ? buffer.length - 1 : buffer.length;
      ranges.push([fieldStart, end, quoted]);
      this.#emit(records, buffer, ranges, this.#carryOffset + buffer.length);
      recordStart = buffer.length;
    }
    return { records, consumed: recordStart };
  }

  #emit(
    records: CsvRecord[],
    buffer: Uint8Array,
    ranges: Array<[number, number, boolean]>,
    endOffset: number,
  ): void {
    const first = ranges[0];
    if (ranges.length === 1 && first && first[1] === first[0]) return; // blank line
    const fields = ranges.map(([start, end, quoted]) => {
      if (!quoted) return this.#decoder.decode(buffer.subarray(start, end));
      // strip the surrounding quotes; anything after the closing quote is kept, as lenient parsers do
      const text = this.#decoder.decode(buffer.subarray(start + 1, end));
      const close = text.lastIndexOf('"');
      const inner = close >= 0 ? text.slice(0, close) + text.slice(close + 1) : text;
      return inner.replaceAll('""', '"');
    });
    records.push({ fields, endOffset });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Quotes a value for CSV output when it needs it. */
export function csvEscape(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' && !Number.isFinite(value) ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Formats rows as CSV text with a header line. */
export function toCsv(columns: readonly string[], rows: Iterable<Record<string, unknown>>): string {
  const lines = [columns.map(csvEscape).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvEscape(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}
