import type { Writable } from 'node:stream';
import type { TaskErrorView } from '@kaygraph/contracts';

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
}

/** An error the CLI reports as one line (no stack) and turns into an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  /** The api's issues (field paths and what is wrong), for `--json` output. */
  readonly issues: readonly { path: string; message: string }[];

  constructor(
    code: string,
    message: string,
    exitCode = 1,
    issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
    this.issues = issues;
  }
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

export function printJson(io: CliIo, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value, null, 2));
}

/** One JSON document per line, for streams of events (`watch --json`). */
export function printJsonLine(io: CliIo, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value));
}

/** Left-aligned columns sized to their content; `-` for empty cells. */
export function printTable(
  io: CliIo,
  header: string[],
  rows: (string | number | null | undefined)[][],
): void {
  const cells = [
    header,
    ...rows.map((row) =>
      row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : String(cell))),
    ),
  ];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  for (const row of cells) {
    writeLine(
      io.stdout,
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  }
}

/** `1h 02m`, `3m 05s`, `12.3s`, `450ms`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${Math.round(seconds * 10) / 10}s`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(rest).padStart(2, '0')}s`;
}

export function durationBetween(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

/** A whole-number option (`--limit 20`); absent stays absent, anything else is a usage error (exit 2). */
export function wholeNumberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0)
    throw new CliError('BAD_REQUEST', `${name} must be a whole number`, 2);
  return number;
}

export function parseJsonOption(name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError('BAD_REQUEST', `${name} is not valid JSON: ${(error as Error).message}`, 2);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('BAD_REQUEST', `${name} must be a JSON object, e.g. '{"rows": 1000}'`, 2);
  }
  return value as Record<string, unknown>;
}

/**
 * A task's error in one line: its code and message, then the node that threw it and the attempt, when
 * the error names them (`WORKFLOW_ERROR: boom (node transform, attempt 3)`).
 */
export function describeTaskError(error: TaskErrorView): string {
  const where = [
    error.node_id ? `node ${error.node_id}` : null,
    error.attempt !== undefined ? `attempt ${error.attempt}` : null,
  ].filter((part) => part !== null);
  return `${error.code}: ${error.message}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}
