import { Writable } from 'node:stream';
import pino, { type Level, type Logger } from 'pino';

/** A parsed log line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A pino logger whose lines the test can read, parsed, at `level` and above. */
export function capturingLogger(level: Level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
