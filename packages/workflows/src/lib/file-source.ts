import { open } from 'node:fs/promises';
import { CsvParser, type CsvRecord } from './csv.ts';

const BLOCK_SIZE = 64 * 1024;

/** Reads a file from `startOffset` in fixed blocks, so memory stays bounded whatever its size. */
export async function* readBlocks(path: string, startOffset: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    let position = startOffset;
    for (;;) {
      const buffer = new Uint8Array(BLOCK_SIZE);
      const { bytesRead } = await handle.read(buffer, 0, BLOCK_SIZE, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** CSV records from `startOffset` on, each with the byte offset after it. */
export async function* readCsvRecords(
  path: string,
  startOffset = 0,
  delimiter = ',',
): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser({ startOffset, delimiter });
  for await (const block of readBlocks(path, startOffset)) yield* parser.push(block);
  yield* parser.end();
}

export interface JsonLine {
  value: unknown;
  endOffset: number;
}

/** JSON Lines: one JSON value per line; a line that is not JSON yields `undefined` (a bad row). */
export async function* readJsonLines(path: string, startOffset = 0): AsyncGenerator<JsonLine> {
  const decoder = new TextDecoder('utf-8');
  let carry = new Uint8Array(0);
  let carryOffset = startOffset;
  const emit = function* (bytes: Uint8Array, endOffset: number): Generator<JsonLine> {
    const text = decoder.decode(bytes).trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    yield { value, endOffset };
  };
  for await (const block of readBlocks(path, startOffset)) {
    const buffer = carry.length === 0 ? block : Buffer.concat([carry, block]);
    let lineStart = 0;
    for (let i = buffer.indexOf(0x0a); i !== -1; i = buffer.indexOf(0x0a, lineStart)) {
      yield* emit(buffer.subarray(lineStart, i), carryOffset + i + 1);
      lineStart = i + 1;
    }
    carry = buffer.slice(lineStart);
    carryOffset += lineStart;
  }
  if (carry.length > 0) yield* emit(carry, carryOffset + carry.length);
}
