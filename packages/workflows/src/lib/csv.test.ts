import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser, toCsv } from './csv.ts';
import { readCsvRecords, readJsonLines } from './file-source.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('CsvParser', () => {
  it('parses quoted fields, doubled quotes, embedded newlines and CRLF', () => {
    const parser = new CsvParser();
    const records = [
      ...parser.push(bytes('name,note\r\n"Smith, J","said ""hi""\nthen left"\r\nplain,x')),
      ...parser.end(),
    ];
    expect(records.map((r) => r.fields)).toEqual([
      ['name', 'note'],
      ['Smith, J', 'said "hi"\nthen left'],
      ['plain', 'x'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries, with byte offsets of multi-byte text', () => {
    const text = 'city,price\nZürich,"1,5"\n"Köln ""Dom""",3\n\nÅre,4\n';
    const whole = [...new CsvParser().push(bytes(text))];
    for (let size = 1; size < 8; size++) {
      const parser = new CsvParser();
      const input = bytes(text);
      const records = [];
      for (let i = 0; i < input.length; i += size) records.push(...parser.push(input.subarray(i, i + size)));
      records.push(...parser.end());
      expect(records).toEqual(whole);
    }
    expect(whole.map((r) => r.fields)).toEqual([
      ['city', 'price'],
      ['Zürich', '1,5'],
      ['Köln "Dom"', '3'],
      ['Åre', '4'],
    ]);
    expect(whole.at(-1)?.endOffset).toBe(bytes(text).length);
    // resuming at a record's end offset yields exactly the records after it
    const second = whole[1];
    if (!second) throw new Error('expected a second record');
    const resumed = new CsvParser({ startOffset: second.endOffset }).push(
      bytes(text).subarray(second.endOffset),
    );
    expect(resumed).toEqual(whole.slice(2));
  });

  it('round-trips what toCsv writes', () => {
    const rows = [
      { a: 'x,y', b: 'say "no"' },
      { a: 'line\nbreak', b: 3 },
    ];
    const parser = new CsvParser();
    const records = [...parser.push(bytes(toCsv(['a', 'b'], rows))), ...parser.end()];
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['x,y', 'say "no"'],
      ['line\nbreak', '3'],
    ]);
  });
});

describe('file sources', () => {
  const dir = mkdtemp(join(tmpdir(), 'kg-csv-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('streams a CSV file larger than one read block and resumes at an offset', async () => {
    const path = join(await dir, 'big.csv');
    const lines = ['id,label'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},"row ${i}"`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const records = [];
    for await (const record of readCsvRecords(path)) records.push(record);
    expect(records).toHaveLength(20_001);
    expect(records[12_345]?.fields).toEqual(['12344', 'row 12344']);
    const from = records[15_000]?.endOffset ?? 0;
    const rest = [];
    for await (const record of readCsvRecords(path, from)) rest.push(record.fields);
    expect(rest).toHaveLength(5_000);
    expect(rest[0]).toEqual(['15000', 'row 15000']);
  });

  it('reads JSON lines and marks unparsable lines', async () => {
    const path = join(await dir, 'rows.jsonl');
    await writeFile(path, '{"a":1}\nnot json\n\n{"a":2}');
    const values = [];
    for await (const line of readJsonLines(path)) values.push(line.value);
    expect(values).toEqual([{ a: 1 }, undefined, { a: 2 }]);
  });
});
